"""RSA key pairs for Snowflake service users (key-pair auth)."""

from __future__ import annotations


def generate_rsa_keypair(bits: int = 2048) -> tuple[str, str]:
    """(private key PEM, public key as Snowflake wants it: one line, no BEGIN/END)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_body(public_pem)


def public_body(public_pem: str) -> str:
    return "".join(line for line in public_pem.strip().splitlines() if "-----" not in line)


def public_key_of(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return public_body(
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
