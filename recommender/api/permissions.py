"""Model permissions per API action: the same codenames the admin checks, never the staff flag.

A staff account without these permissions sees the admin's model list empty and its actions
refused; the API must refuse it the same things.
"""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class ModelVersionPermissions(BasePermission):
    """As ModelVersionAdmin: viewing needs the view or change permission (Django's admin shows
    a model to either), and its actions (retrain, activate, roll back) need change."""

    VIEW = ("recommender.view_modelversion", "recommender.change_modelversion")
    CHANGE = ("recommender.change_modelversion",)

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # 401 for anonymous callers, as IsAuthenticated answers
        action = view.action  # type: ignore[attr-defined]  # guards ViewSets only
        needed = self.VIEW if action in {"list", "retrieve", "retrain_status"} else self.CHANGE
        return any(user.has_perm(permission) for permission in needed)
