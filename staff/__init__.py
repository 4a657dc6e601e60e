"""Staff sign-in: the admin site with a second factor (django-otp), lockout after failures
(django-axes), backup codes. An app without models."""
