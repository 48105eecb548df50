"""Phones and ID numbers sealed at rest: encrypted with keys from the environment, and found by a
keyed hash of the normalised value instead of the value itself.

Why these choices (see README: 个人信息加密):
- AES-256-GCM from the `cryptography` package, never a cipher of our own. Not Fernet: on this
  machine it seals a phone six times slower (31 µs against 5 µs) into a token twice as long (100
  characters against 61), and a ledger import seals about two million values. Rotation is what
  MultiFernet would give for free; here each value names its key (`<key id>.<nonce+cipher text>`,
  the id being the first 8 hex digits of the key's SHA-256), so values sealed with any key in
  XINFANG_DATA_KEYS open, new values take the first, and `xinfang rotate-data-key` re-seals the
  rest.
- The look-up index is HMAC-SHA256 with a key of its own (XINFANG_LOOKUP_KEY), cut to 128 bits:
  rotating the data keys leaves every index and every search log comparable, and the data keys
  never serve two purposes. Exact matches only, plus prefix indexes for ID numbers (the first
  10 to 14 characters: 行政区划, year, month, day of birth; see id_prefix_hash) so that the desk
  finds a person at each keystroke in SQL — never a hash of a short tail, which a table of all
  10,000 endings would read back.
- Without the variables (a laptop, tests, bin/demo) both keys are derived from SECRET_KEY with
  HKDF; settings refuse to start with XINFANG_HTTPS=1 (production) without them, and
  `xinfang check --deploy` warns while they are derived.
"""

import base64
import binascii
import hashlib
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEYS_VARIABLE = "XINFANG_DATA_KEYS"
LOOKUP_VARIABLE = "XINFANG_LOOKUP_KEY"
ID_PREFIX_LENGTH = 10  # 行政区划 (6) and year of birth (4): the shortest prefix searched
# The prefix lengths hashed (Petitioner.id_prefix_hash, id_prefix11_hash …): 年, 年+月的首位, 年月,
# 年月+日的首位, 年月日. A longer prefix is found through the 14 (a district's people born on one
# day: a few dozen) and compared in clear.
ID_PREFIX_LENGTHS = (10, 11, 12, 13, 14)
_NONCE = 12
SEALED = re.compile(r"^[0-9a-f]{8}\.[A-Za-z0-9_-]{38,}$")


class SealingError(Exception):
    """A sealed value that cannot be opened with the keys given (said in Chinese)."""


class KeyRing:
    """The data keys, newest first: values are sealed with the first and opened with any."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ImproperlyConfigured(f"{KEYS_VARIABLE}：至少需要一个数据密钥")
        self.ids = [key_id(key) for key in keys]
        if len(set(self.ids)) != len(self.ids):
            raise ImproperlyConfigured(f"{KEYS_VARIABLE}：同一个密钥出现了两次")
        self.current = self.ids[0]
        self._ciphers = {kid: AESGCM(key) for kid, key in zip(self.ids, keys, strict=True)}
        self._seal = self._ciphers[self.current].encrypt
        self._prefix = self.current + "."

    def seal(self, value: str) -> str:
        nonce = os.urandom(_NONCE)  # random per value: GCM's nonce must never repeat under a key
        body = nonce + self._seal(nonce, value.encode(), None)
        return self._prefix + base64.urlsafe_b64encode(body).decode().rstrip("=")

    def open(self, token: str) -> str:
        kid, _, text = token.partition(".")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            if not SEALED.match(token):
                raise SealingError("该字段存的不是加密值：请先运行 xinfang migrate 加密已有数据")
            raise SealingError(
                f"无法解密个人信息：加密所用的密钥（编号 {kid}）不在 {KEYS_VARIABLE} 中。"
                "请把该密钥加回列表（新密钥在前），运行 xinfang rotate-data-key 后再删去旧密钥"
            )
        try:
            body = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            return cipher.decrypt(body[:_NONCE], body[_NONCE:], None).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealingError(
                f"无法解密个人信息：密钥编号 {kid} 与值不符（值被改动，或密钥有误）"
            ) from exc


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def read_key(text: str, name: str) -> bytes:
    """A key as given in the environment: 32 random bytes in (url-safe) base64."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name}：密钥应为 base64 编码的32字节") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}：密钥应为 base64 编码的32字节（现为{len(key)}字节）")
    return key


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _derived(purpose: bytes) -> bytes:
    """A development key from SECRET_KEY (never used with XINFANG_HTTPS=1: settings refuse)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return hkdf.derive(settings.SECRET_KEY.encode())


def keys_derived() -> bool:
    return not settings.XINFANG_DATA_KEYS


@lru_cache(maxsize=1)
def _ring(keys: tuple[str, ...], secret: str) -> KeyRing:
    if not keys:
        return KeyRing([_derived(b"xinfang data key")])
    return KeyRing([read_key(text, KEYS_VARIABLE) for text in keys])


def ring() -> KeyRing:
    """The key ring of the current settings (made once per set of keys)."""
    return _ring(tuple(settings.XINFANG_DATA_KEYS), settings.SECRET_KEY)


class Hasher:
    """HMAC-SHA256 (RFC 2104) of normalised values, 128 bits in hex. Written out over hashlib's
    SHA-256 with the padded key hashed once: the same function as hmac.new(key, value, sha256)
    (tests/test_trust_sealing.py compares them) at half its cost, which a ledger import of a
    million rows pays about three million times."""

    def __init__(self, key: bytes) -> None:
        block = key.ljust(64, b"\0")  # a 32-byte key: no hashing of a long key needed
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def exact(self, value: str | None) -> str:
        if not value:
            return ""
        text = value if value.isdigit() and value.isascii() else normalise(value)
        if not text:
            return ""
        return self._mac(text)

    def _mac(self, text: str) -> str:
        inner = self._inner.copy()
        inner.update(text.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:32]

    def id_prefix(self, value: str | None, length: int = ID_PREFIX_LENGTH) -> str:
        if not value:
            return ""
        ascii = value.isascii() and value.isalnum()
        # ASCII letters and digits are their own NFKC form: only the X needs upper case
        text = value.upper() if ascii else normalise(value)
        if len(text) < length:
            return ""
        # "P:" keeps it apart from the hash of a phone made of the same ten digits, "P12:" from
        # the other lengths. Leak: without the key, who shares a region+birth date (birth_date
        # is stored in clear).
        tag = "P:" if length == ID_PREFIX_LENGTH else f"P{length}:"
        if ascii:  # the tag and an ASCII prefix are their own normal form
            return self._mac(tag + text[:length])
        return self.exact(tag + text[:length])  # normalised again, as stored hashes were


@lru_cache(maxsize=1)
def _hasher(text: str, secret: str) -> Hasher:
    return Hasher(read_key(text, LOOKUP_VARIABLE) if text else _derived(b"xinfang lookup key"))


AUDIT_VARIABLE = "XINFANG_AUDIT_KEY"


@lru_cache(maxsize=1)
def _audit_key(text: str, lookup: str, secret: str) -> bytes:
    if text:
        return read_key(text, AUDIT_VARIABLE)
    # derived for a purpose of its own: from the look-up key when there is one (production
    # always has one), else from SECRET_KEY like the other development keys. Not from the data
    # keys: `rotate-data-key` changes those, and the chain's hashes must keep verifying.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"xinfang audit chain key")
    return hkdf.derive(read_key(lookup, LOOKUP_VARIABLE) if lookup else _derived(b"xinfang audit"))


def audit_key() -> bytes:
    """The key of the audit chain's HMAC (xinfang.core.chain): XINFANG_AUDIT_KEY, else derived.
    Kept out of the database, so whoever can rewrite the table cannot re-hash the chain."""
    return _audit_key(settings.XINFANG_AUDIT_KEY, settings.XINFANG_LOOKUP_KEY, settings.SECRET_KEY)


def hasher() -> Hasher:
    """The look-up hasher of the current settings (made once per key)."""
    return _hasher(settings.XINFANG_LOOKUP_KEY, settings.SECRET_KEY)


def seal(value: str | None) -> str | None:
    """The sealed form of a value; None and "" stay as they are (nothing to hide)."""
    if not value:
        return value
    return ring().seal(value)


def unseal(token: str | None) -> str | None:
    if not token:
        return token
    return ring().open(token)


def normalise(value: str) -> str:
    """The form a number is compared in: full-width digits folded, spaces gone, X upper case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def lookup_hash(value: str | None) -> str:
    """The keyed hash (HMAC-SHA256, 128 bits in hex) of a normalised value; "" for none."""
    return hasher().exact(value)


def id_prefix_hash(value: str | None, length: int = ID_PREFIX_LENGTH) -> str:
    """The keyed hash of an ID number's first `length` characters (one of ID_PREFIX_LENGTHS): the
    index that finds the people whose number starts with a typed prefix of that length."""
    return hasher().id_prefix(value, length)
