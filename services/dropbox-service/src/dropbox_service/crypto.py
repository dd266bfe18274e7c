"""Refresh tokens are stored encrypted (Fernet: AES-128-CBC with an HMAC)."""

from cryptography.fernet import Fernet, InvalidToken


class TokenCipher:
    """Encrypts and decrypts Dropbox refresh tokens with one key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def encrypt(self, token: str) -> str:
        """The token, encrypted and base64 encoded."""
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The token back; ValueError when the key does not match."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise ValueError("stored token was encrypted with another DROPBOX_TOKEN_KEY") from error
