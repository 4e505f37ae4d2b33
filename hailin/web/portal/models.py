"""The portal's own records: accounts' teams, what came through the portal,
the audit log, webhooks, and the alert outbox. The survey data itself stays
in the workspace store; nothing here is a copy of it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailin.web.portal.webhooks import validate_url

ROLES = ("patrol", "viewer", "admin")
ROLE_LABELS = {"patrol": _("patrol"), "viewer": _("viewer"), "admin": _("admin")}
PATROL_TYPES = ("contractor_daily", "township_patrol", "city_joint", "digital_monitoring")


class Account(models.Model):
    """What the portal knows of a user beyond Django's: teams, default patrol
    type, whether alerts come by email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account"
    )
    teams = models.CharField(
        _("teams"),
        max_length=500,
        blank=True,
        help_text=_("One or more team names, comma separated; the first is the default."),
    )
    patrol_type = models.CharField(
        _("default patrol type"),
        max_length=40,
        blank=True,
        choices=[(p, p) for p in PATROL_TYPES],
    )
    alert_email = models.BooleanField(_("email alerts"), default=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def team_list(self):
        seen = []
        for part in self.teams.replace("，", ",").replace("、", ",").split(","):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
        return seen

    def __str__(self):
        return self.user.get_username()


class PortalUpload(models.Model):
    """One file received through the portal and what its import said."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    team = models.CharField(max_length=200, blank=True)
    patrol_type = models.CharField(max_length=40, blank=True)
    file = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, default="surveys")  # surveys | photo
    upload_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=20)
    rows_read = models.IntegerField(default=0)
    rows_accepted = models.IntegerField(default=0)
    rows_rejected = models.IntegerField(default=0)
    rows_duplicate = models.IntegerField(default=0)
    report = models.CharField(max_length=500, blank=True)  # the import's error report
    summary = models.JSONField(default=dict)
    new_cases = models.JSONField(default=list)

    class Meta:
        ordering = ["-received_at", "-id"]


class AuditEvent(models.Model):
    """One line of the audit log: logins, uploads, withdrawals, account changes."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    address = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"


class Webhook(models.Model):
    """A group robot or endpoint told about new cases."""

    KINDS = [("wecom", _("WeCom group robot")), ("dingtalk", _("DingTalk robot")), ("json", "JSON")]
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=KINDS)
    url = models.URLField(_("URL"), max_length=500, validators=[validate_url])
    secret = models.CharField(
        _("DingTalk signing secret"),
        max_length=200,
        blank=True,
        help_text=_("Only for DingTalk robots with signing (加签) on."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return f"{self.name} ({self.kind})"


class AlertEvent(models.Model):
    """New cases one import opened; what the outbox messages tell."""

    created_at = models.DateTimeField(default=timezone.now)
    portal_upload = models.ForeignKey(PortalUpload, null=True, on_delete=models.PROTECT)
    upload_id = models.CharField(max_length=64, blank=True)
    file = models.CharField(max_length=300, blank=True)
    team = models.CharField(max_length=200, blank=True)
    uploaded_by = models.CharField(max_length=150, blank=True)
    cases = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]


class OutboxMessage(models.Model):
    """One message to one destination, retried with backoff until delivered."""

    STATES = [("pending", "pending"), ("sent", "sent"), ("failed", "failed")]
    event = models.ForeignKey(AlertEvent, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=20)  # wecom | dingtalk | json | email
    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.PROTECT)
    email = models.EmailField(blank=True)
    state = models.CharField(max_length=10, choices=STATES, default="pending", db_index=True)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]


class PortalState(models.Model):
    """Singleton rows of the portal's bookkeeping: the case ids last seen
    (alerts) and the maps wanted and built."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)


class FieldObservation(models.Model):
    """The answer given to one observation the field form sent, by the id the
    phone made for it: a repeated sync of the id answers the same, and an
    accepted one is never stored again (the store says so too: the id is kept
    in the record's ``extra``)."""

    field_id = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    received_at = models.DateTimeField(default=timezone.now)
    digest = models.CharField(max_length=64)  # sha256 of what was sent
    status = models.CharField(max_length=20)  # accepted | rejected
    reason = models.TextField(blank=True)
    upload_id = models.CharField(max_length=64, blank=True)
    record_id = models.CharField(max_length=100, blank=True)
    photos = models.JSONField(default=list)  # sha256 of the photos stored with it


class ResumableUpload(models.Model):
    """A file arriving in pieces (the portal's chunk endpoint): its declared
    size and sha256, how many bytes are in, and the import's upload once done."""

    token = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    name = models.CharField(max_length=300)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    team = models.CharField(max_length=200, blank=True)
    patrol_type = models.CharField(max_length=40, blank=True)
    offset = models.BigIntegerField(default=0)
    portal_upload = models.ForeignKey(PortalUpload, null=True, on_delete=models.PROTECT)


class ImportJob(models.Model):
    """Files received in one request, waiting for the importer (hailin.web.importer).
    ``files`` lists ``{"file", "folder", "upload"}``: the name, the folder under
    web/jobs/ holding it, and the PortalUpload id once imported."""

    STATES = [("queued", "queued"), ("running", "running"), ("done", "done")]
    key = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    team = models.CharField(max_length=200, blank=True)
    patrol_type = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=STATES, default="queued", db_index=True)
    files = models.JSONField(default=list)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
