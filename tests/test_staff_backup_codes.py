"""Backup codes are stored only as keyed hashes: a copy of the database opens nothing, and
each code still works once. Codes stored in clear before are hashed by staff migration 0001.
"""

import importlib
from datetime import timedelta

import time_machine
from django.apps import apps
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from staff import auth as staff_auth

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-1"  # tests/conftest.py's staff users
migration = importlib.import_module("staff.migrations.0001_hash_backup_codes")


def sign_in(client, code, username="handler"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD,
                               "otp_token": code, "next": "/admin/"})


def everything_stored() -> str:
    rows = [*StaticDevice.objects.values_list(), *StaticToken.objects.values_list()]
    return " ".join(str(value) for row in rows for value in row).lower()


def test_the_database_holds_no_backup_code(handler):
    codes = staff_auth.new_backup_codes(handler)

    stored = everything_stored()
    assert len(codes) == 10 and StaticToken.objects.count() == 10
    for code in codes:
        assert code not in stored


def test_a_stored_hash_typed_as_a_code_opens_nothing(handler):
    staff_auth.new_backup_codes(handler)
    stolen = StaticToken.objects.first().token

    response = sign_in(Client(), stolen)

    assert response.status_code == 200
    assert StaticToken.objects.count() == 10


def test_a_code_works_once_and_not_again(handler):
    code, *_ = staff_auth.new_backup_codes(handler, n=3)
    client = Client()

    assert sign_in(client, code).status_code == 302
    client.post("/admin/logout/")
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        again = sign_in(client, code)

    assert again.status_code == 200
    assert StaticToken.objects.count() == 2


def test_one_code_of_two_users_is_stored_differently(handler, outsider):
    assert (staff_auth.backup_code_hash("abcd2345", user_id=handler.pk)
            != staff_auth.backup_code_hash("abcd2345", user_id=outsider.pk))


def test_the_migration_hashes_the_codes_stored_in_clear_once(handler):
    device = StaticDevice.objects.create(user=handler, name=staff_auth.BACKUP_DEVICE_NAME,
                                         confirmed=True)
    StaticToken.objects.create(device=device, token="oldcode2")

    migration.hash_clear_backup_codes(apps, None)
    migration.hash_clear_backup_codes(apps, None)  # again: nothing changes

    assert StaticToken.objects.get().token == staff_auth.backup_code_hash("oldcode2",
                                                                          user_id=handler.pk)
    assert "oldcode2" not in everything_stored()
    assert sign_in(Client(), "oldcode2").status_code == 302  # the old code still works
