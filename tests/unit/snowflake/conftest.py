"""Fixtures for the Snowflake module / SQL script tests; the helpers live in sfmodel.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from unit.snowflake.sfmodel import ModuleModel, TerraformEvaluator

# --------------------------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def terraform_eval(tmp_path_factory: pytest.TempPathFactory) -> TerraformEvaluator:
    return TerraformEvaluator(tmp_path_factory.mktemp("snowflake-locals"))


@pytest.fixture(scope="session")
def module_model(terraform_eval: TerraformEvaluator) -> Callable[[Mapping[str, Any]], ModuleModel]:
    def build(inputs: Mapping[str, Any]) -> ModuleModel:
        local_values, var_values = terraform_eval.evaluate(inputs)
        return ModuleModel(local_values, var_values)

    return build


@pytest.fixture(scope="session")
def public_key_pem() -> Callable[[], str]:
    """A factory of fresh RSA public keys in PEM form (what `openssl rsa -pubout` writes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def make() -> str:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    return make
