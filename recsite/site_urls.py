from django.urls import path

from . import account_views, feedback_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("latest/", views.latest, name="latest"),
    path("trending/", views.trending, name="trending"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path(
        "topics/<slug:slug>/follow/",
        views.topic_follow,
        {"follow": True},
        name="topic_follow",
    ),
    path(
        "topics/<slug:slug>/unfollow/",
        views.topic_follow,
        {"follow": False},
        name="topic_unfollow",
    ),
    path("for-you/", views.for_you, name="for_you"),
    path("search/", views.search, name="search"),
    path("ask/", views.ask, name="ask"),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("articles/<slug:slug>/<str:event>/", views.article_event, name="article_event"),
    path(
        "articles/<slug:slug>/<str:event>/undo/",
        views.article_event_undo,
        name="article_event_undo",
    ),
    path("me/", views.me, name="me"),
    path("me/interests/hide/", feedback_views.interest_hide, name="interest_hide"),
    path(
        "me/interests/<int:pk>/restore/", feedback_views.interest_restore, name="interest_restore"
    ),
    path(
        "explanations/<int:pk>/feedback/",
        feedback_views.explanation_feedback,
        name="explanation_feedback",
    ),
    path("me/export/", views.me_export, name="me_export"),
    path("me/personalisation/", views.me_personalisation, name="me_personalisation"),
    path("me/delete/", views.me_delete, name="me_delete"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # Password change and reset (the names are those Django's auth views reverse).
    path("me/password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
