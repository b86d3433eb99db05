from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("articles", views.ArticleViewSet, basename="api-article")
router.register("topics", views.TopicViewSet, basename="api-topic")
router.register("interactions", views.InteractionViewSet, basename="api-interaction")

urlpatterns = router.urls
