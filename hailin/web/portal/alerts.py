"""Alerts on new regrowth: which cases an import opened, and telling people.

The ledger's case ids before and after each portal import are compared (the
import and the comparison hold one lock, so two imports never claim the same
case); the cases an import opened make one :class:`AlertEvent` and one outbox
message per destination: each active webhook (WeCom group robot markdown,
DingTalk robot markdown, plain JSON) and each account subscribed to email.
The background worker delivers them with retries and exponential backoff; a
failing destination never fails an import.
"""

import base64
import concurrent.futures
import datetime
import hashlib
import hmac
import json
import logging
import os
import time
import urllib.parse

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hailin.web.portal.data import case_url, site_names
from hailin.web.portal.models import Account, AlertEvent, OutboxMessage, PortalState, Webhook
from hailin.web.portal.webhooks import DeliveryError, post_json

logger = logging.getLogger("hailin.web")
STATE_KEY = "cases"
# WeCom takes at most 4096 bytes of markdown, DingTalk about 20,000 characters.
MAX_MARKDOWN_BYTES = 3800
MAX_CASES_LISTED = 30
# Characters markdown would read as markup: data shows them as full-width look-alikes.
_MARKDOWN = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "\\": "＼",
        "!": "！",
        "\n": " ",
        "\r": " ",
    }
)


def inert(text):
    """``text`` (from a file or the store) with nothing a markdown reader acts on.

    Examples
    --------
    >>> inert("[x](http://e.vil) <b>*")
    '［x］（http://e.vil） ＜b＞＊'
    """
    return str(text if text is not None else "").translate(_MARKDOWN)[:200]


# -- which cases an import opened -------------------------------------------------------
def store_state(ws):
    """What the ledger depends on besides the rules (the standing uploads and the
    settings) as a digest, and the upload ids it was taken from."""
    uploads = ws.uploads()
    digest = hashlib.sha256()
    for upload_id, status, kind in zip(
        uploads["upload_id"], uploads["status"], uploads["kind"], strict=True
    ):
        digest.update(f"{upload_id}|{status}|{kind};".encode())
    stat = os.stat(ws.settings_path)
    digest.update(f"{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest(), sorted(set(uploads["upload_id"]))


def _ledger(ws):
    ledger, _patches = ws.ledger()
    return ledger


def remembered():
    """The last comparison: ``{"signature", "ids", "uploads"}``, or None."""
    state = PortalState.objects.filter(key=STATE_KEY).first()
    return None if state is None else state.value


def known_cases(ws):
    """The ledger's case ids now (from the last comparison when the store has
    not changed since), or None when they cannot be had."""
    try:
        signature, _uploads = store_state(ws)
        state = remembered()
        if state is not None and state.get("signature") == signature:
            return set(state.get("ids", []))
        ids = set(_ledger(ws)["case_id"])
        remember(ws, ids)
        return ids
    except Exception:
        logger.exception("alerts: the ledger could not be read before an import")
        return None


def remember(ws, ids):
    """Keep the case ids ``ids`` as those of the store as it is now."""
    signature, uploads = store_state(ws)
    PortalState.objects.update_or_create(
        key=STATE_KEY,
        defaults={"value": {"signature": signature, "ids": sorted(ids), "uploads": uploads}},
    )


# Only these rows can open a case or change case numbering (a removal between two
# findings re-clears a case, so the later finding opens the next one).
_CASE_ROWS = (
    "upload_id = ? AND (finding IN ('spartina_regrowth', 'spartina_new', 'spartina_removed') "
    "OR action = 'removed')"
)


def may_open_cases(ws, upload_id):
    """Whether the import ``upload_id`` stored a row that can change the case ids."""
    try:
        return len(ws.surveys(["record_id"], where=_CASE_ROWS, parameters=(upload_id,))) > 0
    except Exception:
        logger.exception("alerts: could not read the rows of upload %s", upload_id)
        return True


def unchanged(ws, before):
    """Remember that the store changed without changing the case ids."""
    if before is None:
        return
    try:
        remember(ws, before)
    except Exception:
        logger.exception("alerts: could not remember the case ids")


def opened_cases(ws, before):
    """Rows of the cases in the ledger now and not in ``before`` (case ids)."""
    if before is None:
        return []
    try:
        ledger = _ledger(ws)
        remember(ws, set(ledger["case_id"]))
        new = ledger[~ledger["case_id"].isin(before)]
        names = site_names(ws)
        zone = ws.settings.timezone
        return [
            {
                "case_id": str(row["case_id"]),
                "kind": str(row["kind"]),
                "plot_id": str(row["plot_id"]),
                "site": None if not isinstance(row["site"], str) else row["site"],
                "site_name": names.get(row["site"]) if isinstance(row["site"], str) else None,
                "township": row["township"] if isinstance(row["township"], str) else None,
                "first_detected": row["first_detected"].tz_convert(zone).isoformat(),
                "status": str(row["status"]),
                "url": settings.PORTAL_URL + case_url(str(row["case_id"])),
            }
            for row in new.to_dict(orient="records")
        ]
    except Exception:
        logger.exception("alerts: the ledger could not be read after an import")
        return []


# -- the messages -----------------------------------------------------------------------
def _kind_word(kind):
    return _("regrowth") if kind == "recurrence" else _("new infestation")


def _title(event):
    return _("hailin: %(n)d new Spartina case(s)") % {"n": len(event.cases)}


def _lines(event):
    lines = []
    open_case = _("open the case")
    for case in event.cases[:MAX_CASES_LISTED]:
        place = " · ".join(
            inert(p) for p in (case.get("site_name") or case.get("site"), case.get("township")) if p
        )
        lines.append(
            f"- **{_kind_word(case['kind'])}** {inert(case['plot_id'])}"
            f"{' · ' + place if place else ''} · {case['first_detected'][:10]}"
            f" [{open_case}]({case['url']})"
        )
    if len(event.cases) > MAX_CASES_LISTED:
        lines.append(_("… and %(n)d more") % {"n": len(event.cases) - MAX_CASES_LISTED})
    return lines


def markdown(event):
    """The markdown body (WeCom and DingTalk read the same subset)."""
    upload = _("upload")
    head = [
        f"### {_title(event)}",
        f"> {upload}: {inert(event.file)} · {inert(event.team)} · {inert(event.uploaded_by)}",
        "",
    ]
    text = "\n".join(head + _lines(event))
    while len(text.encode("utf-8")) > MAX_MARKDOWN_BYTES:
        text = text[: int(len(text) * 0.9)].rsplit("\n", 1)[0] + "\n…"
    return text


def payload(event, channel):
    """The JSON a destination of ``channel`` receives for ``event``."""
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": markdown(event)}}
    if channel == "dingtalk":
        return {
            "msgtype": "markdown",
            "markdown": {"title": _title(event), "text": markdown(event)},
        }
    return {
        "event": "hailin.new_cases",
        "upload": {
            "upload_id": event.upload_id,
            "file": event.file,
            "team": event.team,
            "uploaded_by": event.uploaded_by,
        },
        "cases": event.cases,
        "portal": settings.PORTAL_URL,
        "sent_at": timezone.now().isoformat(),
    }


def email_text(event):
    upload = _("upload")
    lines = [_title(event), "", f"{upload}: {event.file} ({event.team}, {event.uploaded_by})"]
    for case in event.cases:
        lines.append(
            f"- {_kind_word(case['kind'])} {case['plot_id']} "
            f"{case.get('site_name') or case.get('site') or ''} {case.get('township') or ''} "
            f"{case['first_detected'][:10]}: {case['url']}"
        )
    return "\n".join(lines)


@transaction.atomic
def announce(cases, *, upload=None, upload_id="", file="", team="", uploaded_by=""):
    """Queue one message per destination about the ``cases`` an import opened:
    a portal ``upload``, or one made elsewhere (the command line, a raster
    detection) named by ``upload_id``, ``file``, ``team`` and ``uploaded_by``."""
    if not cases:
        return None
    if upload is not None:
        upload_id, file, team = upload.upload_id, upload.file, upload.team
        uploaded_by = upload.user.get_username()
    event = AlertEvent.objects.create(
        portal_upload=upload,
        upload_id=upload_id[:64],
        file=file[:300],
        team=team[:200],
        uploaded_by=uploaded_by[:150],
        cases=cases,
    )
    for hook in Webhook.objects.filter(active=True):
        OutboxMessage.objects.create(event=event, channel=hook.kind, webhook=hook)
    if settings.MAIL_CONFIGURED:
        for account in Account.objects.filter(alert_email=True, user__is_active=True):
            if account.user.email:
                OutboxMessage.objects.create(event=event, channel="email", email=account.user.email)
    return event


# -- delivery (the background worker) ---------------------------------------------------
def _signed(url, secret):
    """DingTalk's signing: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    stamp = str(int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def send(message):
    """Deliver one outbox message now; raise DeliveryError when it is not taken."""
    event = message.event
    language = "en" if _workspace_language() == "en" else "zh-hans"
    with translation.override(language):
        if message.channel == "email":
            sent = send_mail(
                _title(event), email_text(event), settings.DEFAULT_FROM_EMAIL, [message.email]
            )
            if sent != 1:
                raise DeliveryError("the mail server did not take the message")
            return
        hook = message.webhook
        url = (
            _signed(hook.url, hook.secret) if hook.kind == "dingtalk" and hook.secret else hook.url
        )
        status, body = post_json(url, payload(event, message.channel), settings.ALERT_TIMEOUT_S)
    if message.channel in ("wecom", "dingtalk"):  # the robot's own verdict: errcode 0
        try:
            answer = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise DeliveryError(f"HTTP {status}, not a JSON answer") from error
        if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
            raise DeliveryError(f"HTTP {status}, the robot refused the message (errcode)")


def _workspace_language():
    from hailin.web.portal.data import workspace

    try:
        return workspace().settings.language
    except Exception:
        return "zh"


def backoff_s(attempts):
    """Seconds before attempt ``attempts`` + 1: doubling from ALERT_BACKOFF_S
    (30 s unless ``HAILIN_ALERT_BACKOFF_S`` says) up to ALERT_BACKOFF_MAX_S (1 h).

    Examples
    --------
    >>> [backoff_s(n) for n in (1, 2, 3, 9)]
    [30.0, 60.0, 120.0, 3600.0]
    """
    return float(min(settings.ALERT_BACKOFF_S * 2 ** (attempts - 1), settings.ALERT_BACKOFF_MAX_S))


def _attempt(message):
    """Send one message; None when it was taken, else the reason (fixed texts)."""
    try:
        send(message)
    except DeliveryError as error:
        return str(error)
    except Exception:  # a hailin bug or the mail server: logged, retried later
        logger.exception("alert %s to %s", message.event_id, message.channel)
        return "not delivered (see the portal's log)"
    return None


def deliver_due(limit=20):
    """Try every pending message whose time has come, at once (one slow or silent
    receiver holds none of the others past its own timeout); returns how many
    were sent."""
    now = timezone.now()
    due = list(
        OutboxMessage.objects.select_related("event", "webhook")
        .filter(state="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")[:limit]
    )
    if not due:
        return 0
    with concurrent.futures.ThreadPoolExecutor(min(8, len(due))) as pool:
        reasons = list(pool.map(_attempt, due))
    sent = 0
    for message, reason in zip(due, reasons, strict=True):
        message.attempts += 1
        if reason is None:
            message.state, message.sent_at, message.last_error = "sent", timezone.now(), ""
            sent += 1
        else:
            message.last_error = reason[:500]
            if message.attempts >= settings.ALERT_MAX_ATTEMPTS:
                message.state = "failed"
            else:
                message.next_attempt_at = timezone.now() + datetime.timedelta(
                    seconds=backoff_s(message.attempts)
                )
            logger.warning(
                "alert %s to %s: attempt %d failed: %s",
                message.event_id,
                message.channel,
                message.attempts,
                message.last_error,
            )
        message.save()
    return sent
