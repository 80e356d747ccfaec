"""Key pair cryptography for os-keypairs: generating keys and certificates, and Nova's
fingerprints of imported ones, so a key shows the same fingerprint here as in Nova.

- ssh: an RSA key; the public key in OpenSSH format, the private key as PEM; the
  fingerprint is the MD5 of the public key blob in colon-separated hex (what
  ``ssh-keygen -l -E md5`` prints).
- x509: a self-signed client certificate for the user (Nova made these for WinRM
  certificate login); the private key comes back as base64 PKCS#12; the fingerprint is
  the SHA-1 of the certificate's DER bytes in colon-separated hex.
"""
import base64
import binascii
import datetime
import hashlib

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from mininova import exception

_RSA_BITS = 2048
# NOTE: Microsoft's User Principal Name, the otherName WinRM maps to a local user.
_UPN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")
_CERT_DAYS = 3650


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def generate_fingerprint(public_key: str) -> str:
    """Nova's fingerprint of an OpenSSH public key; InvalidKeypair (400) for anything
    the OpenSSH parser refuses."""
    try:
        serialization.load_ssh_public_key(public_key.encode("utf-8"))
        blob = base64.b64decode(public_key.split()[1])
    except (ValueError, TypeError, IndexError, binascii.Error,
            crypto_exceptions.UnsupportedAlgorithm) as exc:
        raise exception.InvalidKeypair(reason="failed to generate fingerprint") from exc
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def generate_x509_fingerprint(pem: str) -> str:
    """The SHA-1 fingerprint of a PEM certificate; InvalidKeypair (400) if it is none."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise exception.InvalidKeypair(
            reason=f"failed to generate X509 fingerprint. Error message: {exc}") from exc
    # NOTE: SHA-1 because that is the fingerprint Nova shows for x509 key pairs.
    return _colon_hex(cert.fingerprint(hashes.SHA1()))


def generate_key_pair(bits: int = _RSA_BITS) -> tuple[str, str, str]:
    """A new RSA key: (private key PEM, OpenSSH public key, fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_key = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()).decode("ascii")
    public_key = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode("ascii")
    # NOTE: Nova's comment on the keys it generates; tools that look for it find it.
    public_key = f"{public_key} Generated-by-Nova"
    return private_key, public_key, generate_fingerprint(public_key)


def _der_utf8_string(text: str) -> bytes:
    """DER of an ASN.1 UTF8String (the otherName value cryptography wants encoded)."""
    data = text.encode("utf-8")
    size = len(data)
    if size < 0x80:
        length = bytes([size])
    else:
        octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return b"\x0c" + length + data


def generate_x509_cert(user_id: str, bits: int = _RSA_BITS) -> tuple[str, str, str]:
    """A self-signed client certificate for ``user_id``: (base64 PKCS#12 of key and
    certificate, certificate PEM, fingerprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    # NOTE: a common name holds at most 64 characters; the UPN carries the whole id.
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id[:64])])
    now = datetime.datetime.now(datetime.UTC)
    upn = x509.OtherName(_UPN_OID, _der_utf8_string(f"{user_id}@localhost"))
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=_CERT_DAYS))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName([upn]), critical=False)
            .sign(key, hashes.SHA256()))
    certificate = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    bundle = pkcs12.serialize_key_and_certificates(None, key, cert, None,
                                                   serialization.NoEncryption())
    return (base64.b64encode(bundle).decode("ascii"), certificate,
            generate_x509_fingerprint(certificate))
