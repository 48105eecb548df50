"""API tokens in /manage/: issue (the key is shown once, on the page that answers the form) and
revoke; never edited or deleted, and every issue and revocation is audited by the services."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from xinfang.accounts.models import Role, User
from xinfang.api.models import ApiToken
from xinfang.api.services import token_create, token_revoke
from xinfang.core.admin_site import admin_site
from xinfang.core.formtext import SafeModelForm
from xinfang.portal.services import PORTAL_USERNAME


class ApiTokenForm(SafeModelForm):
    user = forms.ModelChoiceField(
        label="系统账号",
        queryset=User.objects.filter(is_active=True, org_unit__isnull=False)
        .exclude(role=Role.ADMIN)
        .exclude(username=PORTAL_USERNAME)
        .order_by("username"),
        help_text="有角色和所属单位的业务账号；接口上它能看、能做的与网页上相同",
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name")


class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ("name", "prefix_shown", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a token is revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # kept for the history of who called with it

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    @admin.display(description="密钥前缀")
    def prefix_shown(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        token, raw = token_create(
            actor=request.user,  # type: ignore[arg-type]
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
        )
        obj.pk = token.pk
        request._api_token_raw = raw  # type: ignore[attr-defined]

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the service wrote the audit event

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        # The raw key is on this one response only: not in a message (a cookie), not in the DB.
        token = ApiToken.objects.select_related("user").get(pk=obj.pk)
        context = {
            **admin_site.each_context(request),
            "title": "令牌已签发",
            "token": token,
            "raw_key": request._api_token_raw,  # type: ignore[attr-defined]
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "api/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
            done += 1
        self.message_user(request, f"已吊销{done}个令牌", messages.SUCCESS)


admin_site.register(ApiToken, ApiTokenAdmin)
