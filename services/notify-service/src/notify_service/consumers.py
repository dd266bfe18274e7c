"""Kafka consumers: invitations for collaborators who were granted access."""

from contracts import topics
from contracts.events import CollabGranted
from messaging.delivery import subscriber

from notify_service.context import NotifyContext


def register(context: NotifyContext) -> None:
    """Subscribe the service's handlers on its broker."""
    runtime = context.runtime
    settings = runtime.settings
    notifier = context.notifier

    @subscriber(
        runtime.broker, settings.topic(topics.COLLAB_GRANTED), group_id=settings.consumer_group
    )
    async def invite_collaborator(event: CollabGranted) -> None:
        """A dashboard user gets an in-app notification; everyone gets one mail."""
        await notifier.notify_in_app(event)
        await notifier.send_mail_once(event)
