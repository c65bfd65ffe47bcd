"""Review flagged answers by hand in a local web page, and write the points back.

Walks through each (submission, question) listed in the gradebook's needs_review: the key's
review note, the question, the learner's answer (shown, never run), a points field and a
comment. Save writes gradebook.review.json (the source of truth), the gradebook and the
learner's feedback page. Re-run it any time: it continues at the first unreviewed answer and
re-applies every saved review (for example after `mlliteracy grade` was run again).

The page is served by the standard library's HTTP server on 127.0.0.1 only, with a random token
in every URL and form; every value shown is escaped and learner code is shown, never run.
"""

from __future__ import annotations

import argparse
import hmac
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .._core import html as _html
from .._core.errors import MLLError
from ..grading.review import MAX_COMMENT, ReviewBook, ReviewItem

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024
FORBIDDEN = "<p>Open the URL that <code>mlliteracy review</code> printed (it holds the token).</p>"
STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em}"
    "pre{background:#f6f8fa;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}"
    "pre.output{background:#fff;border-left:3px solid #ccc}"
    ".note{color:#9a6700;font-weight:600}.error{color:#cf222e;font-weight:600}"
    ".saved{color:#1a7f37}label{display:block;margin-top:.6em;font-weight:600}"
    "textarea{width:100%;height:6em}table.mll{border-collapse:collapse;margin:.5em 0}"
    "table.mll td,table.mll th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
)


def _doc(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{_html.esc(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _link(token: str, index: int, text: str) -> str:
    return f"<a href='/item?n={index}&amp;token={_html.esc(quote(token))}'>{_html.esc(text)}</a>"


def _progress(items: list[ReviewItem]) -> str:
    done = sum(i.reviewed for i in items)
    return f"<p id='progress'>{done} of {len(items)} flagged answers reviewed</p>"


def _overview(items: list[ReviewItem], token: str, current: int | None = None) -> str:
    rows = [
        (
            _link(token, n, f"{i.submission} {i.question}")
            + (" (this one)" if n == current else ""),
            f"{i.max_points:g}",
            f"{i.record.points:g}" if i.record else "to review",
        )
        for n, i in enumerate(items)
    ]
    return _html.table(
        ["answer", "max", "reviewed"], rows, caption="flagged answers", raw_columns=[0]
    )


def _answer(item: ReviewItem) -> str:
    if not item.answer:
        return "<p class='note'>No cell of the submission checks or assigns this answer.</p>"
    out = []
    for cell in item.answer:
        out.append(f"<pre class='answer'>{_html.esc(cell.source)}</pre>")
        if cell.output:
            out.append(f"<pre class='output'>{_html.esc(cell.output)}</pre>")
    return "".join(out)


def item_page(
    book: ReviewBook,
    index: int,
    token: str,
    *,
    error: str = "",
    values: dict[str, str] | None = None,
    saved: str = "",
) -> str:
    """The page reviewing ``book.items[index]`` (every value escaped)."""
    items = book.items
    item = items[index]
    values = values or {}
    points = values.get("points", f"{item.record.points:g}" if item.record else "")
    comment = values.get("comment", item.record.comment if item.record else "")
    hidden = {
        "token": token,
        "submission": item.submission,
        "question": item.question,
        "sha256": item.sha256,
    }
    fields = "".join(
        f"<input type='hidden' name='{k}' value='{_html.esc(v)}'>" for k, v in hidden.items()
    )
    nav = " ".join(
        _link(token, n, text)
        for n, text in [(index - 1, "previous"), (index + 1, "next")]
        if 0 <= n < len(items)
    )
    body = [
        "<h1>Reviewing answers by hand</h1>",
        _progress(items),
        f"<p class='saved'>saved: {_html.esc(saved)}</p>" if saved else "",
        f"<h2 id='answer-title'>{_html.esc(item.submission)}: {_html.esc(item.question)}</h2>",
        f"<p>exercise {_html.esc(item.exercise)}; up to <b>{item.max_points:g}</b> points; "
        f"automatic points {_html.esc(item.auto_points or '0')}; "
        f"{'reviewed' if item.reviewed else 'not reviewed yet'}</p>",
        f"<p class='note'>{_html.esc(item.note)}</p>" if item.note else "",
        "<h3>What to look for (the key's review note)</h3>",
        f"<p id='rubric'>{_html.esc(item.rubric)}</p>",
        f"<h3>The question</h3><pre>{_html.esc(item.prompt)}</pre>",
        "<h3>The learner's answer</h3>",
        _answer(item),
        f"<details><summary>The solution's cell</summary><pre>{_html.esc(item.solution)}</pre>"
        "</details>",
        f"<p class='error' id='error'>{_html.esc(error)}</p>" if error else "",
        "<form method='post' action='/save'>",
        fields,
        f"<label for='points'>points (0 to {item.max_points:g})</label>",
        f"<input type='number' id='points' name='points' min='0' max='{item.max_points:g}' "
        f"step='0.01' required value='{_html.esc(points)}'>",
        "<label for='comment'>comment for the learner (shown on their feedback page)</label>",
        f"<textarea id='comment' name='comment' maxlength='{MAX_COMMENT}'>"
        f"{_html.esc(comment)}</textarea>",
        "<p><button type='submit' id='save'>Save and go to the next</button></p></form>",
        f"<p>{nav}</p>",
        _overview(items, token, index),
    ]
    return _doc(f"review {item.submission} {item.question}", "".join(body))


def done_page(book: ReviewBook, token: str, saved: str = "") -> str:
    """The page once every flagged answer is reviewed."""
    items = book.items
    body = [
        "<h1>Reviewing answers by hand</h1>",
        _progress(items),
        f"<p class='saved'>saved: {_html.esc(saved)}</p>" if saved else "",
        f"<p id='done'>Every flagged answer is reviewed; {_html.esc(book.path)} and the "
        "feedback pages carry the reviewed points. Stop the server with Ctrl+C.</p>",
        _overview(items, token) if items else "",
    ]
    return _doc("review: done", "".join(body))


class ReviewServer:
    """Serve the review page of ``book`` on 127.0.0.1 (``port=0``: a free port).

    Use as a context manager; :meth:`start` serves from a background thread (tests, notebooks),
    :meth:`serve_forever` from the caller's thread (the command line).
    """

    def __init__(self, book: ReviewBook, port: int = 0, token: str | None = None):
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise MLLError(f"port={port!r} is not a port number; use 0 (any free port) to 65535")
        self.book, self.token, self.lock = (
            book,
            token or secrets.token_urlsafe(16),
            threading.Lock(),
        )
        try:
            self.httpd = ThreadingHTTPServer((HOST, port), _handler(self))
        except OSError as err:
            raise MLLError(f"port={port} cannot be used ({err.strerror}); pass --port 0") from err
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/?token={quote(self.token)}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> ReviewServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> ReviewServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"review page of {self.book.path} at {self.url}"

    # ------------------------------------------------------------------ requests
    def respond(self, method: str, target: str, form: dict[str, str]) -> tuple[int, str, str]:
        """(status, location or "", html) for one request; the handler only does the I/O."""
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        token = form.get("token") if method == "POST" else query.get("token")
        if not hmac.compare_digest(str(token or ""), self.token):
            return HTTPStatus.FORBIDDEN, "", _doc("forbidden", FORBIDDEN)
        with self.lock:
            if method == "POST" and parts.path == "/save":
                return self._save(form)
            if method == "GET" and parts.path == "/":
                first = self.book.first_unreviewed()
                saved = query.get("saved", "")
                if first is None:
                    return HTTPStatus.OK, "", done_page(self.book, self.token, saved)
                return HTTPStatus.OK, "", item_page(self.book, first, self.token, saved=saved)
            if method == "GET" and parts.path == "/item":
                n = query.get("n", "")
                if n.isdigit() and int(n) < len(self.book.items):
                    return HTTPStatus.OK, "", item_page(self.book, int(n), self.token)
        return HTTPStatus.NOT_FOUND, "", _doc("not found", "<p>No such page.</p>")

    def _save(self, form: dict[str, str]) -> tuple[int, str, str]:
        sub, question = form.get("submission", ""), form.get("question", "")
        items = self.book.items
        index = next(
            (n for n, i in enumerate(items) if (i.submission, i.question) == (sub, question)), None
        )
        try:
            if index is not None and items[index].sha256 != form.get("sha256"):
                raise MLLError(f"{sub} was re-graded since this page was opened; review it again")
            self.book.save(sub, question, form.get("points", ""), form.get("comment", ""))
        except MLLError as err:
            if index is None:
                return HTTPStatus.BAD_REQUEST, "", _doc("error", f"<p>{_html.esc(err)}</p>")
            page = item_page(self.book, index, self.token, error=str(err), values=form)
            return HTTPStatus.BAD_REQUEST, "", page
        saved = quote(f"{sub} {question}")
        return HTTPStatus.SEE_OTHER, f"/?token={quote(self.token)}&saved={saved}", ""


def _handler(server: ReviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, location: str, page: str) -> None:
            data = page.encode("utf-8")
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(*server.respond("GET", self.path, {}))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "", _doc("too large", ""))
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
            self._send(*server.respond("POST", self.path, form))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("gradebook", help="the CSV written by `mlliteracy grade --out`")
    parser.add_argument("--feedback", metavar="DIR", help="the feedback pages of the grade run")
    parser.add_argument("--root", default=".", help="checkout with solutions/ (default: .)")
    parser.add_argument("--solution", help="the solution notebook, if graded with --solution")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    parser.add_argument(
        "--apply", action="store_true", help="only re-apply saved reviews, start no page"
    )


def run(args: argparse.Namespace) -> int:
    book = ReviewBook(
        args.gradebook, feedback=args.feedback, root=args.root, solution=args.solution
    )
    print(repr(book).splitlines()[0])
    if args.apply:
        return 0
    with ReviewServer(book, port=args.port) as server:
        print(f"open {server.url}\n(Ctrl+C stops the page; every save is already written)")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print(repr(book).splitlines()[0])
    return 0
