"""The key pair API used by mininova-api (Nova's compute.api.KeypairAPI): create,
import, list, show and delete a user's key pairs under the ``key_pairs`` quota, and
resolve a server's ``key_name``. Runs inside the API process; no RPC is involved."""
from oslo_log import log as logging

from mininova import crypto
from mininova import exception
from mininova import objects
from mininova import quota
from mininova.objects import keypair as keypair_obj

LOG = logging.getLogger(__name__)


def _check_quota(context, user_id: str, already_counted: bool = False) -> None:
    """403 when one more key pair would pass the user's ``key_pairs`` limit.

    The limit is the caller's project's (Nova's per-user quota defaults to it); with
    ``already_counted`` the new key pair is in the count already (the re-check after the
    insert, which catches two creates that raced past the first check).
    """
    limit = quota.get_limits(context.project_id)["key_pairs"]
    if limit < 0:
        return
    count = objects.KeyPairList.get_count_by_user(context, user_id)
    if count + (0 if already_counted else 1) > limit:
        raise exception.KeypairLimitExceeded()


def _fingerprint(public_key: str, key_type: str) -> str:
    if key_type == keypair_obj.KEYPAIR_TYPE_X509:
        return crypto.generate_x509_fingerprint(public_key)
    return crypto.generate_fingerprint(public_key)


def _generate(user_id: str, key_type: str) -> tuple[str, str, str]:
    if key_type == keypair_obj.KEYPAIR_TYPE_X509:
        return crypto.generate_x509_cert(user_id)
    return crypto.generate_key_pair()


def _store(context, user_id: str, name: str, key_type: str, public_key: str,
           fingerprint: str):
    keypair = objects.KeyPair(context, user_id=user_id, name=name, type=key_type,
                              public_key=public_key, fingerprint=fingerprint)
    keypair.create()
    try:
        _check_quota(context, user_id, already_counted=True)
    except exception.KeypairLimitExceeded:
        keypair.destroy()
        raise
    LOG.info("Key pair %s of user %s created", name, user_id)
    return keypair


class KeypairAPI:
    """Key pairs belong to a user; who may act on whose is the REST layer's policy."""

    def import_key_pair(self, context, user_id: str, name: str, public_key: str,
                        key_type: str = keypair_obj.KEYPAIR_TYPE_SSH):
        """Store a key the user brought; InvalidKeypair (400) when it does not parse."""
        _check_quota(context, user_id)
        fingerprint = _fingerprint(public_key, key_type)
        return _store(context, user_id, name, key_type, public_key, fingerprint)

    def create_key_pair(self, context, user_id: str, name: str,
                        key_type: str = keypair_obj.KEYPAIR_TYPE_SSH) -> tuple:
        """Generate a key pair: (the stored KeyPair, the private key, shown only once)."""
        _check_quota(context, user_id)
        # NOTE: a duplicate name is refused before the (slow) key generation.
        try:
            objects.KeyPair.get_by_name(context, user_id, name)
        except exception.KeypairNotFound:
            pass
        else:
            raise exception.KeyPairExists(key_name=name)
        private_key, public_key, fingerprint = _generate(user_id, key_type)
        keypair = _store(context, user_id, name, key_type, public_key, fingerprint)
        return keypair, private_key

    def get_key_pairs(self, context, user_id: str, limit: int | None = None,
                      marker: str | None = None):
        return objects.KeyPairList.get_by_user(context, user_id, limit=limit, marker=marker)

    def get_key_pair(self, context, user_id: str, name: str):
        return objects.KeyPair.get_by_name(context, user_id, name)

    def delete_key_pair(self, context, user_id: str, name: str) -> None:
        objects.KeyPair.destroy_by_name(context, user_id, name)
        LOG.info("Key pair %s of user %s deleted", name, user_id)


def resolve_key_name(context, key_name: str) -> tuple[str, str]:
    """(name, public key) of the caller's own key pair ``key_name``, for a server's
    ``key_name`` (at create, and at rebuild from 2.54); 400 "Invalid key_name provided."
    when the caller has none of that name, as Nova answers."""
    try:
        keypair = objects.KeyPair.get_by_name(context, context.user_id, key_name)
    except exception.KeypairNotFound as exc:
        raise exception.Invalid(message="Invalid key_name provided.") from exc
    return keypair.name, keypair.public_key
