"""The one password policy, used by the web forms (profile, reset, new user) and the CLI.

Length is what matters most (NIST SP 800-63B): at least MIN_LENGTH characters. On top, a password
made of one repeated character or found on a short list of the most common passwords is refused,
since those are the first an attacker tries. Nothing else (no composition rules)."""

from __future__ import annotations

from .i18n import gettext as _

MIN_LENGTH = 10

# the most frequent passwords of public breach lists that are MIN_LENGTH characters or longer
COMMON = frozenset(
    """
1234567890 0123456789 12345678910 1234567891 0987654321 9876543210 1111111111 0000000000
123456789a a123456789 1q2w3e4r5t 1q2w3e4r5t6y qwertyuiop qwertyuiop1 1qaz2wsx3edc qazwsxedcrfv
qwerty1234 qwerty12345 qwerty123456 asdfghjkl1 zxcvbnm123 password1 password12 password123
password1234 password12345 passw0rd123 p@ssw0rd123 iloveyou12 iloveyou123 princess12 football12
baseball12 sunshine12 superman12 starwars12 welcome123 welcome1234 letmein123 changeme123 changeit12
administrator admin12345 admin123456 adminadmin administrator1 secret1234 trustno1234 abcdefghij
abcdefghijk abc1234567 abcd123456 1234qwerty 123qweasdzxc michael123 jennifer12 1234abcd12
""".split()
)


def password_problem(password: str) -> str | None:
    """Why this password is refused (a sentence for the person choosing it), or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(set(password)) == 1:
        return _("Use more than one different character.")
    if password.lower() in COMMON:
        return _("That password is one of the most common ones; choose another.")
    return None
