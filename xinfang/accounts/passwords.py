"""Password rules: Django's validators, with the minimum length's refusal in Chinese, and one
of our own against the username and short repeated patterns."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django 5.2's catalog lost the Chinese of this one message (its msgid changed to %d)."""

    def get_error_message(self) -> str:
        return f"密码长度太短。密码必须包含至少 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"你的密码必须包含至少 {self.min_length} 个字符。"


class NoUsernameOrRepetitionValidator:
    """Refuses a password holding the username (3+ characters, any case) or made of a short
    unit of 1 to 5 characters repeated (``duchaduchaducha``, ``abcabcabcabc``): Django's
    UserAttributeSimilarityValidator compares the whole strings and lets both through."""

    MAX_UNIT = 5

    def validate(self, password: str, user: object = None) -> None:
        username = str(getattr(user, "username", "") or "")
        if len(username) >= 3 and username.casefold() in password.casefold():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")
        for size in range(1, self.MAX_UNIT + 1):
            if (
                len(password) >= 2 * size
                and password == (password[:size] * (len(password) // size + 1))[: len(password)]
            ):
                raise ValidationError(
                    "密码不能由一小段字符重复组成。", code="password_repeated_pattern"
                )

    def get_help_text(self) -> str:
        return "你的密码不能包含用户名，也不能由一小段字符重复组成。"
