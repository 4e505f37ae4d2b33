"""The Django admin: accounts with their team and role, webhooks, and the
audit log and alerts read-only. Nothing can be deleted, only disabled."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from hailin.web.portal.models import Account, AlertEvent, AuditEvent, OutboxMessage, Webhook
from hailin.web.portal.webhooks import deactivate


class NoDelete:
    def has_delete_permission(self, request, obj=None):
        return False


class AccountInline(admin.StackedInline):
    model = Account
    can_delete = False


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(NoDelete, UserAdmin):
    inlines = [AccountInline]
    list_display = ("username", "email", "is_active", "roles", "last_login")

    @admin.display(description="role")
    def roles(self, user):
        return ", ".join(user.groups.values_list("name", flat=True))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnly(NoDelete):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("at", "username", "action", "address")
    list_filter = ("action",)
    search_fields = ("username",)


@admin.register(AlertEvent)
class AlertAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "file", "team", "uploaded_by")


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("event", "channel", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state", "channel")


@admin.register(Webhook)
class WebhookAdmin(NoDelete, admin.ModelAdmin):
    # "active" is ticked in the list (a form of that field alone) or by the action,
    # so a hook whose URL is no longer valid can still be stopped.
    list_display = ("name", "kind", "active", "created_at")
    list_editable = ("active",)
    actions = ["deactivate"]

    @admin.action(description="deactivate the selected webhooks")
    def deactivate(self, request, queryset):
        for hook in queryset.filter(active=True):
            deactivate(hook, request)
