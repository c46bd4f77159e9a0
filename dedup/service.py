"""``dedup serve``: the index over HTTP for a CMS or a browser (FastAPI), the same library underneath.

- ``POST /query``: an article (JSON, or the text as ``text/plain``) -> the indexed articles sharing passages
  with it, each as the ``compare --json`` object (the JSON of ``dedup query --json``);
- ``POST /compare``: two articles -> their ``compare --json`` object;
- ``POST /articles``: add one article or a list (idempotent: the same id and text change nothing; an article
  sent with ``"is_source": true`` is a known source, and stays one until removed);
- ``DELETE /articles/{id}``: remove one; ``GET /stats``: the index's size and parameters;
- ``GET /``: a page to paste an article into and see its matches side by side; OpenAPI at ``/docs``.

A request body above ``max_request_bytes`` is refused with 413 before it is read whole, and bad input is a
4xx naming what is wrong; article text is only ever escaped into HTML. Each worker thread opens its own
connection to the index (a SQLite connection belongs to one thread); writers wait for SQLite's write lock.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field, ValidationError

from dedup.comparison import compare
from dedup.errors import DedupError
from dedup.index import ArticleIndex, IndexError_, open_index
from dedup.model import Comparison
from dedup.report.html import query_form_page, query_results_page
from dedup.settings import Settings
from dedup.sources import DEFAULT_MAX_BYTES, Article

__all__ = ["create_app", "app_from_environment", "service_environment", "ArticleIn", "FACTORY"]


class ArticleIn(BaseModel):
    """An article as a client sends it; ``id`` defaults to a name for the request's article. ``is_source``:
    a known source (wire copy, a press release), as ``--known-sources`` names them."""

    id: str | None = Field(default=None, max_length=2000)
    text: str = Field(min_length=1)
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    is_source: bool = False

    def article(self, default_id: str) -> Article:
        if not self.text.strip():
            raise HTTPException(422, "the article's text is empty")
        article_id = self.id or default_id
        fields = {k: v for k, v in self.model_dump().items() if k not in ("id", "text") and v is not None}
        return Article(id=article_id, path=article_id, text=self.text, **fields)


class ComparePair(BaseModel):
    a: ArticleIn
    b: ArticleIn
    source: Literal["a", "b"] | None = None  # the side known to be the other's source (compare --source)


class _SizeLimit:
    """ASGI middleware: 413 for a body above ``limit`` bytes, by its Content-Length or as it streams in."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Callable) -> None:
        body = f'{{"detail": "request body above the limit of {self.limit:,} bytes"}}'.encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(
    location: str,
    settings: Settings | None = None,
    *,
    max_request_bytes: int = DEFAULT_MAX_BYTES,
    top: int = 10,
) -> FastAPI:
    """The service over the index at ``location`` (a SQLite file, made if missing, or ``redis://…``)."""
    settings = settings or Settings()
    local = threading.local()
    open_index(location, settings, create=True).close()  # made, converted and checked once, at start

    def store() -> ArticleIndex:
        if getattr(local, "store", None) is None:
            local.store = open_index(location, settings, create=False)
        return local.store

    app = FastAPI(
        title="dedup", summary="Shared passages between news articles, with offsets into the original text."
    )
    app.add_middleware(_SizeLimit, limit=max_request_bytes)

    @app.exception_handler(DedupError)
    async def bad_input(request: Request, error: DedupError) -> JSONResponse:
        # a broken or damaged index is the service's trouble (503), anything else the request's (400)
        return JSONResponse(
            {"detail": str(error)}, status_code=503 if isinstance(error, IndexError_) else 400
        )

    def matches_of(article: Article, count: int) -> list[Comparison]:
        return store().query(article, top=count)

    @app.post("/query", openapi_extra=_ARTICLE_BODY)
    async def query(request: Request, top: int = Query(top, ge=1, le=1000)) -> dict[str, object]:
        """The indexed articles sharing passages with an article: JSON ``{"text": ..., "id": ...}``, or the
        text itself with ``Content-Type: text/plain``."""
        new = (await _article_in(request)).article("query")
        found = await run_in_threadpool(matches_of, new, top)
        return {"query": new.id, "matches": [m.to_dict() for m in found], "settings": settings.as_dict()}

    @app.post("/compare")
    def compare_pair(pair: ComparePair) -> dict[str, object]:
        """Two articles compared: their shared passages, derived fractions, verdicts and direction."""
        comparison = compare(
            pair.a.article("a"),
            pair.b.article("b"),
            settings=settings,
            with_ids=True,
            known_source=pair.source,
        )
        return {**comparison.to_dict(), "settings": settings.as_dict()}

    @app.post("/articles")
    def add(articles: ArticleIn | list[ArticleIn]) -> dict[str, object]:
        """Add articles (each needs an ``id``); adding the same id and text again changes nothing."""
        batch = articles if isinstance(articles, list) else [articles]
        if any(a.id is None for a in batch):
            raise HTTPException(422, "every added article needs an id")
        result = store().add([a.article("") for a in batch])
        return {
            "added": result.added, "unchanged": result.unchanged, "replaced": result.replaced,
            "failed": [{"id": f.path, "reason": f.reason} for f in result.failed],
        }  # fmt: skip

    @app.delete("/articles/{article_id:path}")
    def remove(article_id: str) -> dict[str, str]:
        """Remove one article from the index (404 if it is not there)."""
        if not store().remove(article_id):
            raise HTTPException(404, f"no article with id {article_id!r} in the index")
        return {"removed": article_id}

    @app.get("/stats")
    def stats() -> dict[str, object]:
        """How many articles and window buckets the index holds, and the parameters it was built with."""
        return store().stats().to_dict()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return query_form_page(store().stats().articles)

    @app.post("/report", response_class=HTMLResponse, include_in_schema=False)
    async def report(request: Request) -> str:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        text = (form.get("text") or [""])[0]
        if not text.strip():
            raise HTTPException(422, "paste an article's text")
        title = (form.get("title") or [""])[0] or None
        pasted = Article(id="pasted article", path="pasted article", text=text, title=title)

        def matches_with_articles() -> list[tuple[Comparison, Article]]:
            return [(m, store().get(m.b.id or "") or pasted) for m in matches_of(pasted, top)]

        return query_results_page(pasted, await run_in_threadpool(matches_with_articles))

    return app


FACTORY = "dedup.service:app_from_environment"  # what each worker process of dedup serve --workers builds
_ENVIRONMENT = "DEDUP_SERVE"


def service_environment(location: str, settings: Settings, max_request_bytes: int) -> dict[str, str]:
    """The environment variable from which :func:`app_from_environment` builds the same service."""
    spec = {"location": location, "settings": settings.as_dict(), "max_request_bytes": max_request_bytes}
    return {_ENVIRONMENT: json.dumps(spec)}


def app_from_environment() -> FastAPI:
    """The service described by :func:`service_environment` (one per worker process)."""
    spec = json.loads(os.environ[_ENVIRONMENT])
    return create_app(
        spec["location"], Settings(**spec["settings"]), max_request_bytes=spec["max_request_bytes"]
    )


_ARTICLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ArticleIn.model_json_schema()},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


async def _article_in(request: Request) -> ArticleIn:
    """The article a request sends: JSON (:class:`ArticleIn`), or its text as ``text/plain``."""
    body = await request.body()
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        if kind == "text/plain":
            return ArticleIn(text=body.decode("utf-8"))
        if kind == "application/json":
            return ArticleIn.model_validate_json(body)
    except UnicodeDecodeError:
        raise HTTPException(400, "the body is not UTF-8") from None
    except ValidationError as error:
        raise HTTPException(
            422, error.errors(include_url=False, include_context=False, include_input=False)
        ) from None
    raise HTTPException(
        415, 'send the article as JSON {"text": ...} or its text with Content-Type: text/plain'
    )
