"""The Python cryptography APIs the source scanner knows, as data.

A qualified callee (imports resolved, ``Cryptodome`` read as ``Crypto``, pyca's module paths
shortened to ``pyca.``) maps to an :class:`Api`: the algorithm it fixes or the argument that
names it, and the arguments that carry the key size, mode, IV, curve, hash, padding or protocol
version. Families whose last name is the algorithm (``hashes.SHA256``, ``Crypto.Hash.MD5.new``)
are matched by prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from outwork.analyzers.crypto.model import AssetType, Purpose


@dataclass(frozen=True, slots=True)
class Arg:
    """An argument by position, keyword, or both (``None`` where it has none)."""

    pos: int | None
    kw: tuple[str, ...] = ()


def a(pos: int | None, *kw: str) -> Arg:
    return Arg(pos, kw)


@dataclass(frozen=True, slots=True)
class Api:
    """What one callable tells about the cryptography it performs."""

    algorithm: str | None = None
    #: What the value contributes when it is an argument of another call: an ``asset`` of its
    #: own, or only a ``mode``, ``curve``, ``mgf`` (a mask generation function's hash) or ``key``.
    role: str = "asset"
    asset_type: AssetType = AssetType.ALGORITHM
    name_arg: Arg | None = None
    #: The argument holding another algorithm object whose algorithm this call takes
    #: (``Cipher(algorithms.AES(key), ...)``).
    inner_arg: Arg | None = None
    key_size_arg: Arg | None = None
    key_arg: Arg | None = None
    mode_arg: Arg | None = None
    iv_arg: Arg | None = None
    curve_arg: Arg | None = None
    hash_arg: Arg | None = None
    version_arg: Arg | None = None
    #: A list of algorithm names (``jwt.decode(..., algorithms=[...])``, ``CryptContext``).
    names_arg: Arg | None = None
    mode: str | None = None
    padding: str | None = None
    parameter_set: str | None = None
    curve: str | None = None
    key_size: int | None = None
    purpose: Purpose | None = None
    #: The names come from JOSE (``RS256``), passlib or PyCryptodome mode numbers.
    vocabulary: str = ""


SECRET = Purpose.SECRET
PASSWORD = Purpose.PASSWORD

#: Exact qualified names.
CALLS: dict[str, Api] = {
    # hashlib and hmac (the standard library)
    "hashlib.new": Api(name_arg=a(0, "name")),
    "hashlib.pbkdf2_hmac": Api("PBKDF2", hash_arg=a(0, "hash_name"), purpose=PASSWORD),
    "hashlib.scrypt": Api("scrypt", purpose=PASSWORD),
    "hashlib.file_digest": Api(name_arg=a(1, "digest")),
    "hmac.new": Api("HMAC", hash_arg=a(2, "digestmod")),
    "hmac.HMAC": Api("HMAC", hash_arg=a(2, "digestmod")),
    "hmac.digest": Api("HMAC", hash_arg=a(2, "digest")),
    "os.urandom": Api("DRBG", purpose=SECRET),
    "os.getrandom": Api("DRBG", purpose=SECRET),
    "secrets.token_bytes": Api("DRBG", purpose=SECRET),
    "secrets.token_hex": Api("DRBG", purpose=SECRET),
    "secrets.token_urlsafe": Api("DRBG", purpose=SECRET),
    "secrets.choice": Api("DRBG", purpose=SECRET),
    "secrets.randbelow": Api("DRBG", purpose=SECRET),
    "secrets.randbits": Api("DRBG", purpose=SECRET),
    "secrets.SystemRandom": Api("DRBG", purpose=SECRET),
    "random.SystemRandom": Api("DRBG", purpose=SECRET),
    # ssl
    "ssl.SSLContext": Api("TLS", asset_type=AssetType.PROTOCOL, version_arg=a(0, "protocol")),
    "ssl.wrap_socket": Api("TLS", asset_type=AssetType.PROTOCOL, version_arg=a(5, "ssl_version")),
    "ssl.get_server_certificate": Api(
        "TLS", asset_type=AssetType.PROTOCOL, version_arg=a(1, "ssl_version")
    ),
    "ssl.create_default_context": Api("TLS", asset_type=AssetType.PROTOCOL),
    "OpenSSL.SSL.Context": Api("TLS", asset_type=AssetType.PROTOCOL, version_arg=a(0, "method")),
    # pyca/cryptography
    "pyca.ciphers.Cipher": Api(inner_arg=a(0, "algorithm"), mode_arg=a(1, "mode")),
    "pyca.ciphers.aead.AESGCM": Api("AES", mode="GCM", key_arg=a(0, "key")),
    "pyca.ciphers.aead.AESGCMSIV": Api("AES", mode="GCM-SIV", key_arg=a(0, "key")),
    "pyca.ciphers.aead.AESCCM": Api("AES", mode="CCM", key_arg=a(0, "key")),
    "pyca.ciphers.aead.AESOCB3": Api("AES", mode="OCB", key_arg=a(0, "key")),
    "pyca.ciphers.aead.AESSIV": Api("AES", mode="SIV", key_arg=a(0, "key")),
    "pyca.ciphers.aead.ChaCha20Poly1305": Api("ChaCha20-Poly1305", key_size=256),
    "pyca.ciphers.aead.ChaCha20Poly1305.generate_key": Api(
        "ChaCha20-Poly1305", role="key", key_size=256
    ),
    "pyca.fernet.Fernet.generate_key": Api("AES", role="key", mode="CBC", key_size=128),
    "pyca.keywrap.aes_key_wrap": Api("AES", mode="KW", key_arg=a(0, "wrapping_key")),
    "pyca.keywrap.aes_key_unwrap": Api("AES", mode="KW", key_arg=a(0, "wrapping_key")),
    "pyca.keywrap.aes_key_wrap_with_padding": Api("AES", mode="KWP", key_arg=a(0, "wrapping_key")),
    "pyca.keywrap.aes_key_unwrap_with_padding": Api(
        "AES", mode="KWP", key_arg=a(0, "wrapping_key")
    ),
    "pyca.poly1305.Poly1305": Api("Poly1305", key_size=256),
    "pyca.asymmetric.rsa.RSAPublicNumbers": Api("RSA"),
    "pyca.asymmetric.rsa.RSAPrivateNumbers": Api("RSA"),
    "pyca.asymmetric.dsa.DSAPublicNumbers": Api("DSA"),
    "pyca.asymmetric.dsa.DSAPrivateNumbers": Api("DSA"),
    "pyca.asymmetric.dh.DHPublicNumbers": Api("DH"),
    "pyca.asymmetric.dh.DHPrivateNumbers": Api("DH"),
    "pyca.asymmetric.dh.DHParameterNumbers": Api("DH"),
    "pyca.asymmetric.ec.EllipticCurvePublicNumbers": Api("ECDSA", curve_arg=a(2, "curve")),
    "pyca.asymmetric.ec.EllipticCurvePrivateNumbers": Api("ECDSA"),
    "pyca.asymmetric.mldsa.MLDSA44PrivateKey.generate": Api("ML-DSA", parameter_set="ML-DSA-44"),
    "pyca.asymmetric.mldsa.MLDSA65PrivateKey.generate": Api("ML-DSA", parameter_set="ML-DSA-65"),
    "pyca.asymmetric.mldsa.MLDSA87PrivateKey.generate": Api("ML-DSA", parameter_set="ML-DSA-87"),
    "pyca.asymmetric.mlkem.MLKEM768PrivateKey.generate": Api("ML-KEM", parameter_set="ML-KEM-768"),
    "pyca.asymmetric.mlkem.MLKEM1024PrivateKey.generate": Api(
        "ML-KEM", parameter_set="ML-KEM-1024"
    ),
    "pyca.ciphers.aead.AESGCM.generate_key": Api(
        "AES", role="key", key_size_arg=a(0, "bit_length")
    ),
    "pyca.ciphers.aead.AESCCM.generate_key": Api(
        "AES", role="key", key_size_arg=a(0, "bit_length")
    ),
    "pyca.ciphers.aead.AESOCB3.generate_key": Api(
        "AES", role="key", key_size_arg=a(0, "bit_length")
    ),
    "pyca.asymmetric.rsa.generate_private_key": Api("RSA", key_size_arg=a(1, "key_size")),
    "pyca.asymmetric.dsa.generate_private_key": Api("DSA", key_size_arg=a(0, "key_size")),
    "pyca.asymmetric.dsa.generate_parameters": Api("DSA", key_size_arg=a(0, "key_size")),
    "pyca.asymmetric.dh.generate_parameters": Api("DH", key_size_arg=a(1, "key_size")),
    "pyca.asymmetric.ec.generate_private_key": Api("ECDSA", curve_arg=a(0, "curve")),
    "pyca.asymmetric.ec.derive_private_key": Api("ECDSA", curve_arg=a(1, "curve")),
    "pyca.asymmetric.ec.ECDSA": Api("ECDSA", hash_arg=a(0, "algorithm"), purpose=Purpose.SIGNATURE),
    "pyca.asymmetric.ec.ECDH": Api("ECDH"),
    "pyca.asymmetric.ed25519.Ed25519PrivateKey.generate": Api("Ed25519"),
    "pyca.asymmetric.ed25519.Ed25519PrivateKey.from_private_bytes": Api("Ed25519"),
    "pyca.asymmetric.ed448.Ed448PrivateKey.generate": Api("Ed448"),
    "pyca.asymmetric.x25519.X25519PrivateKey.generate": Api("X25519"),
    "pyca.asymmetric.x25519.X25519PrivateKey.from_private_bytes": Api("X25519"),
    "pyca.asymmetric.x448.X448PrivateKey.generate": Api("X448"),
    "pyca.asymmetric.padding.OAEP": Api("RSAES-OAEP", padding="OAEP", hash_arg=a(1, "algorithm")),
    "pyca.asymmetric.padding.PSS": Api(
        "RSASSA-PSS", padding="PSS", inner_arg=a(0, "mgf"), purpose=Purpose.SIGNATURE
    ),
    "pyca.asymmetric.padding.PKCS1v15": Api("RSA", padding="PKCS1v15"),
    "pyca.asymmetric.padding.MGF1": Api(role="mgf", hash_arg=a(0, "algorithm")),
    "pyca.hmac.HMAC": Api("HMAC", hash_arg=a(1, "algorithm")),
    "pyca.cmac.CMAC": Api("CMAC", inner_arg=a(0, "algorithm")),
    "pyca.kdf.pbkdf2.PBKDF2HMAC": Api("PBKDF2", hash_arg=a(0, "algorithm"), purpose=PASSWORD),
    "pyca.kdf.hkdf.HKDF": Api("HKDF", hash_arg=a(0, "algorithm")),
    "pyca.kdf.hkdf.HKDFExpand": Api("HKDF", hash_arg=a(0, "algorithm")),
    "pyca.kdf.scrypt.Scrypt": Api("scrypt", purpose=PASSWORD),
    "pyca.kdf.concatkdf.ConcatKDFHash": Api("ConcatKDF", hash_arg=a(0, "algorithm")),
    "pyca.kdf.concatkdf.ConcatKDFHMAC": Api("ConcatKDF", hash_arg=a(0, "algorithm")),
    "pyca.kdf.x963kdf.X963KDF": Api("X9.63-KDF", hash_arg=a(0, "algorithm")),
    "pyca.kdf.kbkdf.KBKDFHMAC": Api("KBKDF", hash_arg=a(0, "algorithm")),
    "pyca.kdf.kbkdf.KBKDFCMAC": Api("KBKDF", inner_arg=a(0, "algorithm")),
    "pyca.kdf.argon2.Argon2id": Api("Argon2", purpose=PASSWORD),
    "pyca.fernet.Fernet": Api("AES", mode="CBC", key_size=128),
    "pyca.fernet.MultiFernet": Api("AES", mode="CBC", key_size=128),
    # PyCryptodome / PyCrypto (Cryptodome is read as Crypto)
    "Crypto.Hash.HMAC.new": Api("HMAC", hash_arg=a(2, "digestmod")),
    "Crypto.Hash.CMAC.new": Api("CMAC", hash_arg=None, inner_arg=a(2, "ciphermod")),
    "Crypto.Cipher.PKCS1_OAEP.new": Api("RSAES-OAEP", padding="OAEP", hash_arg=a(1, "hashAlgo")),
    "Crypto.Cipher.PKCS1_v1_5.new": Api("RSA", padding="PKCS1v15"),
    "Crypto.Signature.pkcs1_15.new": Api("RSA", padding="PKCS1v15", purpose=Purpose.SIGNATURE),
    "Crypto.Signature.PKCS1_v1_5.new": Api("RSA", padding="PKCS1v15", purpose=Purpose.SIGNATURE),
    "Crypto.Signature.pss.new": Api("RSASSA-PSS", padding="PSS", purpose=Purpose.SIGNATURE),
    "Crypto.Signature.PKCS1_PSS.new": Api("RSASSA-PSS", padding="PSS", purpose=Purpose.SIGNATURE),
    "Crypto.Signature.DSS.new": Api("DSA", purpose=Purpose.SIGNATURE),
    "Crypto.Signature.eddsa.new": Api("Ed25519", purpose=Purpose.SIGNATURE),
    "Crypto.PublicKey.RSA.generate": Api("RSA", key_size_arg=a(0, "bits")),
    "Crypto.PublicKey.RSA.construct": Api("RSA"),
    "Crypto.PublicKey.DSA.generate": Api("DSA", key_size_arg=a(0, "bits")),
    "Crypto.PublicKey.ECC.generate": Api("ECDSA", curve_arg=a(None, "curve")),
    "Crypto.Protocol.KDF.PBKDF2": Api(
        "PBKDF2", hash_arg=a(None, "hmac_hash_module"), purpose=PASSWORD
    ),
    "Crypto.Protocol.KDF.scrypt": Api("scrypt", purpose=PASSWORD),
    "Crypto.Protocol.KDF.bcrypt": Api("bcrypt", purpose=PASSWORD),
    "Crypto.Protocol.KDF.HKDF": Api("HKDF", hash_arg=a(3, "hashmod")),
    "Crypto.Random.get_random_bytes": Api("DRBG", purpose=SECRET),
    "Crypto.Random.new": Api("DRBG", purpose=SECRET),
    "Crypto.Random.random.getrandbits": Api("DRBG", purpose=SECRET),
    # PyNaCl
    "nacl.secret.SecretBox": Api("XSalsa20-Poly1305", key_size=256),
    "nacl.secret.Aead": Api("ChaCha20-Poly1305", key_size=256),
    "nacl.public.PrivateKey.generate": Api("X25519"),
    "nacl.public.PrivateKey": Api("X25519"),
    "nacl.public.Box": Api("X25519"),
    "nacl.public.SealedBox": Api("X25519"),
    "nacl.signing.SigningKey.generate": Api("Ed25519", purpose=Purpose.SIGNATURE),
    "nacl.signing.SigningKey": Api("Ed25519", purpose=Purpose.SIGNATURE),
    "nacl.signing.VerifyKey": Api("Ed25519", purpose=Purpose.SIGNATURE),
    "nacl.hash.sha256": Api("SHA-256"),
    "nacl.hash.sha512": Api("SHA-512"),
    "nacl.hash.blake2b": Api("BLAKE2b"),
    "nacl.pwhash.argon2id.kdf": Api("Argon2", purpose=PASSWORD),
    "nacl.pwhash.argon2id.str": Api("Argon2", purpose=PASSWORD),
    "nacl.pwhash.argon2i.str": Api("Argon2", purpose=PASSWORD),
    "nacl.pwhash.str": Api("Argon2", purpose=PASSWORD),
    "nacl.pwhash.scrypt.kdf": Api("scrypt", purpose=PASSWORD),
    "nacl.utils.random": Api("DRBG", purpose=SECRET),
    # paramiko
    "paramiko.RSAKey.generate": Api("RSA", key_size_arg=a(0, "bits")),
    "paramiko.DSSKey.generate": Api("DSA", key_size_arg=a(0, "bits"), key_size=1024),
    "paramiko.ECDSAKey.generate": Api("ECDSA", key_size_arg=a(1, "bits"), curve_arg=a(0, "curve")),
    "paramiko.Ed25519Key": Api("Ed25519"),
    "paramiko.RSAKey": Api("RSA"),
    "paramiko.DSSKey": Api("DSA"),
    "paramiko.ECDSAKey": Api("ECDSA"),
    # JOSE: PyJWT, python-jose, authlib
    "jwt.encode": Api(name_arg=a(2, "algorithm"), vocabulary="jose"),
    "jwt.decode": Api(names_arg=a(None, "algorithms"), vocabulary="jose"),
    "jwt.PyJWT.encode": Api(name_arg=a(2, "algorithm"), vocabulary="jose"),
    "jose.jwt.encode": Api(name_arg=a(2, "algorithm"), vocabulary="jose"),
    "jose.jwt.decode": Api(names_arg=a(2, "algorithms"), vocabulary="jose"),
    "jose.jws.sign": Api(name_arg=a(2, "algorithm"), vocabulary="jose"),
    "jose.jws.verify": Api(names_arg=a(2, "algorithms"), vocabulary="jose"),
    "authlib.jose.JsonWebToken": Api(names_arg=a(0, "algorithms"), vocabulary="jose"),
    "authlib.jose.JsonWebSignature": Api(names_arg=a(0, "algorithms"), vocabulary="jose"),
    # pyOpenSSL
    "OpenSSL.crypto.sign": Api(name_arg=a(2, "digest"), purpose=Purpose.SIGNATURE),
    "OpenSSL.crypto.verify": Api(name_arg=a(3, "digest"), purpose=Purpose.SIGNATURE),
    # password hashing
    "bcrypt.hashpw": Api("bcrypt", purpose=PASSWORD),
    "bcrypt.kdf": Api("bcrypt", purpose=PASSWORD),
    "argon2.PasswordHasher": Api("Argon2", purpose=PASSWORD),
    "argon2.low_level.hash_secret": Api("Argon2", purpose=PASSWORD),
    "argon2.low_level.hash_secret_raw": Api("Argon2", purpose=PASSWORD),
    "passlib.context.CryptContext": Api(
        names_arg=a(0, "schemes"), purpose=PASSWORD, vocabulary="passlib"
    ),
}

#: Families: a prefix, and which part of the qualified name is the algorithm (-1: the last,
#: -2: the one before ``new``), with what the family's calls carry.
FAMILIES: tuple[tuple[str, int, Api], ...] = (
    ("hashlib.", -1, Api()),
    ("pyca.hashes.", -1, Api()),
    ("pyca.ciphers.algorithms.", -1, Api(key_arg=a(0, "key"), iv_arg=a(1, "nonce"))),
    (
        "pyca.ciphers.modes.",
        -1,
        Api(role="mode", iv_arg=a(0, "initialization_vector", "nonce", "tweak")),
    ),
    ("pyca.asymmetric.ec.", -1, Api(role="curve")),
    ("Crypto.Hash.", -2, Api()),
    (
        "Crypto.Cipher.",
        -2,
        Api(
            key_arg=a(0, "key"),
            mode_arg=a(1, "mode"),
            iv_arg=a(2, "iv", "IV", "nonce"),
            vocabulary="pycryptodome",
        ),
    ),
    ("nacl.hash.", -1, Api()),
    ("passlib.hash.", -2, Api(purpose=PASSWORD, vocabulary="passlib")),
)

#: Methods whose receiver is unknown but whose name says what their hash arguments are for.
SIGNING_METHODS = frozenset({"sign", "verify", "signer", "verifier", "sign_data", "verify_data"})

#: Module paths shortened before lookup, longest first.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("cryptography.hazmat.primitives.", "pyca."),
    ("cryptography.hazmat.decrepit.", "pyca."),
    ("cryptography.fernet.", "pyca.fernet."),
    ("Cryptodome.", "Crypto."),
    ("paramiko.rsakey.", "paramiko."),
    ("paramiko.dsskey.", "paramiko."),
    ("paramiko.ecdsakey.", "paramiko."),
    ("paramiko.ed25519key.", "paramiko."),
    ("jwt.api_jwt.", "jwt."),
    ("authlib.jose.rfc7519.", "authlib.jose."),
    ("OpenSSL.SSL.", "OpenSSL.SSL."),
)

#: JOSE algorithm names: (algorithm, hash, curve).
JOSE: dict[str, tuple[str, str | None, str | None]] = {
    "HS256": ("HMAC", "SHA-256", None),
    "HS384": ("HMAC", "SHA-384", None),
    "HS512": ("HMAC", "SHA-512", None),
    "RS256": ("RSA", "SHA-256", None),
    "RS384": ("RSA", "SHA-384", None),
    "RS512": ("RSA", "SHA-512", None),
    "PS256": ("RSASSA-PSS", "SHA-256", None),
    "PS384": ("RSASSA-PSS", "SHA-384", None),
    "PS512": ("RSASSA-PSS", "SHA-512", None),
    "ES256": ("ECDSA", "SHA-256", "P-256"),
    "ES256K": ("ECDSA", "SHA-256", "secp256k1"),
    "ES384": ("ECDSA", "SHA-384", "P-384"),
    "ES512": ("ECDSA", "SHA-512", "P-521"),
    "EdDSA": ("Ed25519", None, None),
    "Ed25519": ("Ed25519", None, None),
    "Ed448": ("Ed448", None, None),
    "RSA1_5": ("RSA", None, None),
    "RSA-OAEP": ("RSAES-OAEP", "SHA-1", None),
    "RSA-OAEP-256": ("RSAES-OAEP", "SHA-256", None),
    "ECDH-ES": ("ECDH", None, None),
    "none": ("none", None, None),
    "ML-DSA-44": ("ML-DSA", None, None),
    "ML-DSA-65": ("ML-DSA", None, None),
    "ML-DSA-87": ("ML-DSA", None, None),
}

#: passlib scheme names: (algorithm, hash).
PASSLIB: dict[str, tuple[str, str | None]] = {
    "md5_crypt": ("crypt-MD5", None),
    "apr_md5_crypt": ("crypt-MD5", None),
    "des_crypt": ("crypt-DES", None),
    "bsdi_crypt": ("crypt-DES", None),
    "bigcrypt": ("crypt-DES", None),
    "crypt16": ("crypt-DES", None),
    "lmhash": ("LM-hash", None),
    "nthash": ("LM-hash", None),
    "bsd_nthash": ("LM-hash", None),
    "msdcc": ("LM-hash", None),
    "msdcc2": ("LM-hash", None),
    "ldap_md5": ("MD5", None),
    "ldap_salted_md5": ("MD5", None),
    "hex_md5": ("MD5", None),
    "postgres_md5": ("MD5", None),
    "ldap_sha1": ("SHA-1", None),
    "ldap_salted_sha1": ("SHA-1", None),
    "hex_sha1": ("SHA-1", None),
    "mysql41": ("SHA-1", None),
    "sha1_crypt": ("PBKDF2", "SHA-1"),
    "pbkdf2_sha1": ("PBKDF2", "SHA-1"),
    "pbkdf2_sha256": ("PBKDF2", "SHA-256"),
    "pbkdf2_sha512": ("PBKDF2", "SHA-512"),
    "django_pbkdf2_sha256": ("PBKDF2", "SHA-256"),
    "sha256_crypt": ("PBKDF2", "SHA-256"),
    "sha512_crypt": ("PBKDF2", "SHA-512"),
    "bcrypt": ("bcrypt", None),
    "bcrypt_sha256": ("bcrypt", None),
    "argon2": ("Argon2", None),
    "scrypt": ("scrypt", None),
}

#: PyCryptodome's mode constants, by name and by number (``AES.new(key, 1)`` is ECB).
PYCRYPTODOME_MODES: dict[str, str] = {
    "MODE_ECB": "ECB",
    "1": "ECB",
    "MODE_CBC": "CBC",
    "2": "CBC",
    "MODE_CFB": "CFB",
    "3": "CFB",
    "MODE_OFB": "OFB",
    "5": "OFB",
    "MODE_CTR": "CTR",
    "6": "CTR",
    "MODE_OPENPGP": "OpenPGP",
    "7": "OpenPGP",
    "MODE_CCM": "CCM",
    "8": "CCM",
    "MODE_EAX": "EAX",
    "9": "EAX",
    "MODE_SIV": "SIV",
    "10": "SIV",
    "MODE_GCM": "GCM",
    "11": "GCM",
    "MODE_OCB": "OCB",
    "12": "OCB",
}

#: TLS protocol constants of ssl and pyOpenSSL: the version they pin (None: negotiated).
TLS_CONSTANTS: dict[str, str | None] = {
    "ssl.PROTOCOL_SSLv2": "SSLv2",
    "ssl.PROTOCOL_SSLv3": "SSLv3",
    "ssl.PROTOCOL_TLSv1": "TLSv1.0",
    "ssl.PROTOCOL_TLSv1_1": "TLSv1.1",
    "ssl.PROTOCOL_TLSv1_2": "TLSv1.2",
    "ssl.PROTOCOL_SSLv23": None,
    "ssl.PROTOCOL_TLS": None,
    "ssl.PROTOCOL_TLS_CLIENT": None,
    "ssl.PROTOCOL_TLS_SERVER": None,
    "ssl.TLSVersion.SSLv3": "SSLv3",
    "ssl.TLSVersion.TLSv1": "TLSv1.0",
    "ssl.TLSVersion.TLSv1_1": "TLSv1.1",
    "ssl.TLSVersion.TLSv1_2": "TLSv1.2",
    "ssl.TLSVersion.TLSv1_3": "TLSv1.3",
    "OpenSSL.SSL.SSLv2_METHOD": "SSLv2",
    "OpenSSL.SSL.SSLv3_METHOD": "SSLv3",
    "OpenSSL.SSL.TLSv1_METHOD": "TLSv1.0",
    "OpenSSL.SSL.TLSv1_1_METHOD": "TLSv1.1",
    "OpenSSL.SSL.TLSv1_2_METHOD": "TLSv1.2",
    "OpenSSL.SSL.SSLv23_METHOD": None,
    "OpenSSL.SSL.TLS_METHOD": None,
    "OpenSSL.SSL.TLS_CLIENT_METHOD": None,
    "OpenSSL.SSL.TLS_SERVER_METHOD": None,
    "OpenSSL.SSL.SSL3_VERSION": "SSLv3",
    "OpenSSL.SSL.TLS1_VERSION": "TLSv1.0",
    "OpenSSL.SSL.TLS1_1_VERSION": "TLSv1.1",
    "OpenSSL.SSL.TLS1_2_VERSION": "TLSv1.2",
    "OpenSSL.SSL.TLS1_3_VERSION": "TLSv1.3",
}

#: Attributes and methods that set the lowest or highest protocol version.
VERSION_SETTERS = frozenset(
    {"minimum_version", "maximum_version", "set_min_proto_version", "set_max_proto_version"}
)

#: pyOpenSSL key types for ``PKey().generate_key(type, bits)``.
PKEY_TYPES: dict[str, str] = {"TYPE_RSA": "RSA", "TYPE_DSA": "DSA", "TYPE_EC": "ECDSA"}

#: ``random`` functions: a Mersenne Twister, never a source of secrets.
RANDOM_FUNCTIONS = frozenset(
    {
        "random",
        "randint",
        "randrange",
        "choice",
        "choices",
        "sample",
        "getrandbits",
        "randbytes",
        "uniform",
        "shuffle",
    }
)

#: Calls whose result is a number of random bytes (their size becomes a key size).
RANDOM_BYTES = frozenset(
    {"os.urandom", "secrets.token_bytes", "Crypto.Random.get_random_bytes", "nacl.utils.random"}
)
