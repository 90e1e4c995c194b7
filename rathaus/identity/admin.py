from django.contrib import admin

from .models import IdentityProvider, StaffRole, User


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    fk_name = "user"


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "tenant", "kind", "is_active", "email_verified_at")
    list_filter = ("tenant", "kind", "is_active")
    search_fields = ("email", "first_name", "last_name")
    exclude = ("password", "groups", "user_permissions")
    readonly_fields = ("last_login", "date_joined")
    inlines = [StaffRoleInline]


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "tenant", "issuer", "is_active")
    list_filter = ("tenant",)
