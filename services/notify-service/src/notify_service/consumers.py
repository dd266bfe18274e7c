"""Kafka consumers: invitations for collaborators who were granted access, share links
mailed to their recipients, and the alerts their owners asked for."""

from contracts import topics
from contracts.events import CollabGranted, ShareAlert, ShareCreated, ShareUpdated
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

    @subscriber(
        runtime.broker, settings.topic(topics.SHARE_CREATED), group_id=settings.consumer_group
    )
    async def mail_new_link_recipients(event: ShareCreated) -> None:
        """Each recipient to be mailed gets one mail with their own URL."""
        await notifier.send_link_mails(event)

    @subscriber(
        runtime.broker, settings.topic(topics.SHARE_UPDATED), group_id=settings.consumer_group
    )
    async def mail_added_recipients(event: ShareUpdated) -> None:
        """Recipients added to a link, to be mailed, get one mail each with their own URL."""
        await notifier.send_link_mails(event)

    @subscriber(
        runtime.broker, settings.topic(topics.SHARE_ALERT), group_id=settings.consumer_group
    )
    async def alert_owner(event: ShareAlert) -> None:
        """The link's owner sees the alert under the bell, and gets one mail."""
        await notifier.alert_owner(event)
