"""The per-request GraphQL context: the clients, who is asking, in which language, and their dataloaders."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bson import ObjectId
from starlette.requests import Request
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from db import collections as c
from domain.errors import DomainError
from domain.sessions import Principal
from domain.tenancy import Staff, Store, load_staff, store_from_doc
from schema.common import UserError
from schema.messages import EN, ZH, message
from startup.clients import Clients

K = TypeVar("K")
V = TypeVar("V")


class NotAuthenticated(Exception):
    """No valid access token for a field that needs one."""


@dataclass
class Context:
    request: Request
    clients: Clients
    principal: Principal | None
    lang: str
    # Where the request comes from (behind a trusted proxy, whom it forwards for); sign-in lockouts count by it.
    client_address: str
    _staff: Staff | None = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    def need_principal(self) -> Principal:
        if self.principal is None:
            raise NotAuthenticated()
        return self.principal

    async def staff(self) -> Staff:
        """The signed-in staff member, read once per request (a deactivated one is signed out at once)."""
        if self._staff is None:
            principal = self.need_principal()
            self._staff = await load_staff(
                mongo=self.clients.mongo, staff_id=principal.subject_id, merchant_id=principal.merchant_id
            )
            if self._staff is None:
                raise NotAuthenticated()
        return self._staff

    def user_errors(self, error: DomainError) -> list[UserError]:
        return [UserError(field=error.field, code=error.code.value, message=message(error.code.value, self.lang))]

    def loader(self, name: str, load: Callable[[list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
        """The request's dataloader called `name`, made from `load` the first time it is asked for."""
        found = self._loaders.get(name)
        if found is None:
            found = self._loaders[name] = DataLoader(load_fn=load)
        return found

    @property
    def stores(self) -> DataLoader[ObjectId, Store | None]:
        """Stores by id, batched: one query for every store a response mentions."""
        loader = self._loaders.get("stores")
        if loader is None:
            mongo = self.clients.mongo

            async def load(ids: list[ObjectId]) -> list[Store | None]:
                merchant_id = self.need_principal().merchant_id
                docs = await mongo.db[c.STORES].find({"merchant_id": merchant_id, "_id": {"$in": ids}}).to_list()
                by_id = {d["_id"]: store_from_doc(d) for d in docs}
                return [by_id.get(i) for i in ids]

            loader = self._loaders["stores"] = DataLoader(load_fn=load)
        return loader


Info = StrawberryInfo[Context, None]


def language_of(request: Request) -> str:
    accept = request.headers.get("accept-language", "").lower()
    return EN if accept.startswith("en") else ZH
