"""The member's notifications: the in-app inbox, marking read, and the WeChat subscribe-message templates the
mini-program asks the member to accept (and reports the answers of, as quota for later messages).
"""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain.notifications import inbox, subscriptions, topics
from domain.notifications.delivery import Notification as NotificationRecord
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_ids, user_errors_in

NotificationTopic: TypeAlias = topics.Topic
strawberry.enum(NotificationTopic, name="NotificationTopic", description="What a notification is about.")


@strawberry.type
class Notification:
    id: strawberry.ID
    topic: NotificationTopic
    title: str
    body: str
    page: str | None = strawberry.field(description="The mini-program page to open on tap, if any.")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: NotificationRecord) -> "Notification":
        return cls(
            id=to_global_id("Notification", n.id),
            topic=n.topic,
            title=n.title,
            body=n.body,
            page=n.page or None,
            created_at=n.created_at,
            read_at=n.read_at,
        )


@strawberry.type(description="Pass `templateId`s of the topics wanted to `wx.requestSubscribeMessage`.")
class SubscribeTemplate:
    topic: NotificationTopic
    template_id: str


@strawberry.type
class Subscription:
    template_id: str
    remaining: int = strawberry.field(description="Messages of this template the member may still be sent.")


@strawberry.input
class MarkReadInput:
    notification_ids: list[strawberry.ID] = strawberry.field(description="1 to 100 of the member's own.")


@strawberry.type
class MarkReadPayload:
    notifications: list[Notification] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordSubscriptionsInput:
    template_ids: list[str] = strawberry.field(description="The templates `wx.requestSubscribeMessage` asked about.")
    accepted: list[str] = strawberry.field(description="Those the member answered 'accept' to.")


@strawberry.type
class RecordSubscriptionsPayload:
    subscriptions: list[Subscription] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InboxQuery:
    @strawberry.field(description="The member's notifications, newest first.")
    async def inbox(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
    ) -> Connection[Notification]:
        principal = info.context.need_principal()
        page = await inbox.list_inbox(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            unread_only=unread_only,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, Notification.of)

    @strawberry.field(description="How many notifications the member has not read (the badge).")
    async def unread_notifications(self, info: Info) -> int:
        principal = info.context.need_principal()
        return await inbox.unread_count(
            mongo=info.context.clients.mongo, merchant_id=principal.merchant_id, member_id=principal.subject_id
        )

    @strawberry.field(description="The subscribe-message templates in use, one per topic.")
    def subscribe_templates(self, info: Info) -> list[SubscribeTemplate]:
        info.context.need_principal()
        configured = info.context.clients.settings.wechat_subscribe_templates
        return [
            SubscribeTemplate(topic=NotificationTopic(t.topic), template_id=t.template_id)
            for t in subscriptions.subscribe_templates(configured)
            if t.topic in NotificationTopic.__members__
        ]


@strawberry.type
class InboxMutation:
    @strawberry.mutation(description="Marks the member's own notifications read; all of them or none.")
    @user_errors_in(MarkReadPayload)
    async def mark_read(self, info: Info, input: MarkReadInput) -> MarkReadPayload:
        ctx = info.context
        principal = ctx.need_principal()
        marked = await inbox.mark_read(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            notification_ids=node_ids("Notification", input.notification_ids, "notificationIds"),
        )
        return MarkReadPayload(notifications=[Notification.of(n) for n in marked])

    @strawberry.mutation(
        description="Reports what `wx.requestSubscribeMessage` answered: each accept allows one message."
    )
    @user_errors_in(RecordSubscriptionsPayload)
    async def record_subscriptions(self, info: Info, input: RecordSubscriptionsInput) -> RecordSubscriptionsPayload:
        ctx = info.context
        principal = ctx.need_principal()
        recorded = await subscriptions.record_subscriptions(
            mongo=ctx.clients.mongo,
            known_template_ids=set(ctx.clients.settings.wechat_subscribe_templates.values()),
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            template_ids=input.template_ids,
            accepted=input.accepted,
        )
        return RecordSubscriptionsPayload(
            subscriptions=[Subscription(template_id=s.template_id, remaining=s.remaining) for s in recorded]
        )
