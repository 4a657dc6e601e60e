"""Enrol a staff user for the second factor: an authenticator app (TOTP) and backup codes."""

import io

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.auth import enrol_totp, new_backup_codes


class Command(BaseCommand):
    help = ("Give a staff user an authenticator-app (TOTP) device and new backup codes, and "
            "print them once: the otpauth:// URL, its QR code and the codes.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true",
                            help="Delete the user's existing authenticator-app devices first "
                                 "(a lost or new phone).")
        parser.add_argument("--codes", type=int, default=10,
                            help="How many backup codes (default 10; earlier ones stop "
                                 "working). 0 keeps the existing codes.")
        parser.add_argument("--no-qr", action="store_true",
                            help="Print the URL only, without the QR code.")

    def handle(self, *args, username, replace, codes, no_qr, **options):
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        if not user.is_staff:
            self.stderr.write(self.style.WARNING(
                f"{username} is not staff: the code will not open the admin until it is."))
        if not replace and TOTPDevice.objects.filter(user=user).exists():
            raise CommandError(f"{username} has an authenticator app already. Use --replace "
                               "to set up a new one (the old one stops working).")

        device, url = enrol_totp(user, replace=replace)
        self.stdout.write(self.style.WARNING(
            f"Second factor for {username} (shown once; keep it secret):"))
        self.stdout.write("Add this to an authenticator app (scan the QR code or open the URL):")
        self.stdout.write(f"  {url}")
        if not no_qr:
            self.stdout.write(_qr_text(url))
        if codes > 0:
            self.stdout.write("Backup codes, each good for one login (earlier ones no longer "
                              "work):")
            for code in new_backup_codes(user, n=codes):
                self.stdout.write(f"  {code}")
        self.stdout.write(f"At /admin/ sign in with the password and a code (device: "
                          f"“{device.name}”, or a backup code).")


def _qr_text(data: str) -> str:
    """The QR code in text blocks, for a terminal."""
    import qrcode

    qr = qrcode.QRCode(border=2)
    qr.add_data(data)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()
