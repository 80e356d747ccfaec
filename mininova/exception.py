"""Exceptions with an HTTP code; the API turns them into Nova-style fault bodies."""


class MininovaException(Exception):
    """Base: ``msg_fmt`` formatted with the keyword arguments; ``code`` is the HTTP status."""

    msg_fmt = "An unknown exception occurred."
    code = 500

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)


class Invalid(MininovaException):
    msg_fmt = "Bad request: %(reason)s"
    code = 400


class ActionNotSupported(Invalid):
    msg_fmt = "The requested functionality is not supported: this cloud has no %(action)s."


class ValidationError(Invalid):
    msg_fmt = "Invalid input for field/attribute %(field)s. Value: %(value)s. %(reason)s"


class Forbidden(MininovaException):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."
    code = 403


class MetadataLimitExceeded(Forbidden):
    msg_fmt = "Maximum number of metadata items exceeds %(allowed)d"


class ImageMetadataLimitExceeded(Forbidden):
    msg_fmt = "Image metadata limit exceeded"


class NotFound(MininovaException):
    msg_fmt = "Resource could not be found."
    code = 404


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class FlavorNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s could not be found."


class FlavorAccessNotFound(NotFound):
    msg_fmt = "Flavor access not found for %(flavor_id)s / %(project_id)s combination."


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s has no extra specs with key %(extra_specs_key)s."


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class InstanceActionNotFound(NotFound):
    msg_fmt = "Action for request_id %(request_id)s on instance %(instance_uuid)s not found"


class ServiceNotFound(NotFound):
    msg_fmt = "Service %(service_id)s could not be found."


class ComputeHostNotFound(NotFound):
    msg_fmt = "Compute host %(host)s could not be found."


class HostBinaryNotFound(NotFound):
    msg_fmt = "Could not find binary %(binary)s on host %(host)s."


class HypervisorNotFound(NotFound):
    msg_fmt = "Hypervisor with ID %(hypervisor_id)s could not be found."


class HypervisorNotFoundByPattern(NotFound):
    msg_fmt = "No hypervisor matching '%(pattern)s' could be found."


class MarkerNotFound(Invalid):
    msg_fmt = "Marker %(marker)s could not be found."


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskSmallerThanImage(Invalid):
    msg_fmt = ("Flavor's disk is too small for requested image. Flavor disk is "
               "%(flavor_size)i bytes, image is %(image_size)i bytes.")


class FlavorDiskSmallerThanMinDisk(Invalid):
    msg_fmt = ("Flavor's disk is smaller than the minimum size specified in image "
               "metadata. Flavor disk is %(flavor_size)i bytes, minimum size is "
               "%(image_min_disk)i bytes.")


class InvalidStrTime(Invalid):
    msg_fmt = "Invalid datetime string: %(reason)s"


class QuotaLimitBelowUsage(Invalid):
    msg_fmt = ("Quota limit %(limit)s for %(resource)s must be greater than or equal to "
               "already used and reserved %(minimum)s.")


class QuotaLimitAboveProject(Invalid):
    msg_fmt = ("Quota limit %(limit)s for %(resource)s must be less than or equal to "
               "%(maximum)s.")


class MigrationNotFoundForInstance(NotFound):
    msg_fmt = "Migration %(migration_id)s not found for instance %(instance_id)s"


class MigrationNotFound(NotFound):
    msg_fmt = "Migration %(migration_id)s could not be found."


class MigrationNotFoundByStatus(MigrationNotFound):
    msg_fmt = "Migration not found for instance %(instance_id)s with status %(status)s."


class CannotResizeToSameFlavor(Invalid):
    msg_fmt = "When resizing, instances must change flavor!"


class CannotResizeDisk(Invalid):
    msg_fmt = "Server disk was unable to be resized because: %(reason)s"


class CannotMigrateToSameHost(Invalid):
    msg_fmt = ("Cannot migrate to the host where the server exists. Please specify "
               "another host.")


class ComputeHostUnavailable(Invalid):
    msg_fmt = "Compute host %(host)s is not available: %(reason)s"


class NetworkNotFound(NotFound):
    msg_fmt = "Network %(network_id)s could not be found."


class TagNotFound(NotFound):
    msg_fmt = "Tag %(tag)s could not be found on instance %(instance_id)s."


class KeypairNotFound(NotFound):
    msg_fmt = "Keypair %(name)s not found for user %(user_id)s"


class ComputeServiceUnavailable(Invalid):
    msg_fmt = "Compute service of %(host)s is unavailable at this time."


class UnableToMigrateToSelf(Invalid):
    msg_fmt = ("Unable to migrate instance (%(instance_id)s) to current host "
               "(%(host)s).")


class MigrationPreCheckError(Invalid):
    msg_fmt = "Migration pre-check error: %(reason)s"


class InvalidSharedStorage(Invalid):
    msg_fmt = "%(path)s is not on shared storage: %(reason)s"


class InvalidLocalStorage(Invalid):
    msg_fmt = "%(path)s is not on local storage: %(reason)s"


class InvalidMigrationState(Invalid):
    msg_fmt = ("Migration %(migration_id)s state of instance %(instance_uuid)s is "
               "%(state)s. Cannot %(method)s while the migration is in this state.")


class LiveMigrationAborted(MininovaException):
    msg_fmt = "Live migration of instance %(instance_uuid)s was aborted."


class ComputeServiceInUse(Invalid):
    msg_fmt = "Compute service of %(host)s is still in use."


class InvalidKeypair(Invalid):
    msg_fmt = "Keypair data is invalid: %(reason)s"


class KeypairLimitExceeded(Forbidden):
    msg_fmt = "Quota exceeded, too many key pairs."


class MetadataItemNotFound(NotFound):
    msg_fmt = "Metadata item was not found"


class Conflict(MininovaException):
    code = 409


class AggregateNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s could not be found."


class InvalidAggregateAction(Invalid):
    msg_fmt = "Unacceptable action on aggregate %(aggregate_id)s: %(reason)s"


class InvalidAggregateActionDelete(InvalidAggregateAction):
    msg_fmt = "Cannot remove aggregate %(aggregate_id)s: %(reason)s"


class AggregateHostNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s has no host %(host)s."


class AggregateNameExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_name)s already exists."


class AggregateHostExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_id)s already has host %(host)s."


class TaskAlreadyRunning(Conflict):
    msg_fmt = "Task %(task_name)s is already running on host %(host)s"


class InstanceIsLocked(Conflict):
    msg_fmt = "Instance %(instance_uuid)s is locked"


class InstanceInvalidState(Conflict):
    msg_fmt = ("Cannot '%(action)s' instance %(instance_uuid)s while it is in "
               "%(attr)s %(state)s")


class UnexpectedTaskStateError(Conflict):
    msg_fmt = ("Conflict updating instance %(instance_uuid)s. Expected: %(expected)s. "
               "Actual: %(actual)s")


class FlavorExists(Conflict):
    msg_fmt = "Flavor with name %(name)s already exists."


class FlavorIdExists(Conflict):
    msg_fmt = "Flavor with ID %(flavor_id)s already exists."


class FlavorAccessExists(Conflict):
    msg_fmt = ("Flavor access already exists for flavor %(flavor_id)s and project "
               "%(project_id)s combination.")


class FlavorExtraSpecUpdateCreateFailed(Conflict):
    msg_fmt = ("Flavor %(id)s extra spec cannot be updated or created after %(retries)d "
               "retries.")


class ImageExists(Conflict):
    msg_fmt = "Image %(name)s already exists."


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class NoValidHost(MininovaException):
    msg_fmt = "No valid host was found. %(reason)s"
    code = 500


class ServiceUnavailable(MininovaException):
    msg_fmt = "%(reason)s"
    code = 503


class RPCTimeout(MininovaException):
    msg_fmt = "Timed out waiting for a reply from %(service)s on %(host)s."
    code = 504


class HypervisorError(MininovaException):
    msg_fmt = "Hypervisor error: %(reason)s"


class HostNetworkError(MininovaException):
    msg_fmt = "Host network setup failed: %(reason)s"


class ConfigDriveError(MininovaException):
    msg_fmt = "Config drive could not be built: %(reason)s"


class HostNotImplemented(MininovaException):
    msg_fmt = "%(reason)s"
    code = 501


# -- the flat network (Nova's messages; create answers these 400 as Nova does) ----------

class NetworkNotFoundForCreate(Invalid):
    msg_fmt = "Network %(network_id)s could not be found."


class PortNotFound(Invalid):
    msg_fmt = "Port id %(port_id)s could not be found."


class PortInUse(Conflict):
    msg_fmt = "Port %(port_id)s is still in use."


class FixedIpAlreadyInUse(Invalid):
    msg_fmt = ("Fixed IP address %(address)s is already in use on instance "
               "%(instance_uuid)s.")


class FixedIpNotFoundForNetwork(Invalid):
    msg_fmt = ("Fixed IP address (%(address)s) does not exist in network "
               "(%(network_uuid)s).")


class NoMoreFixedIps(MininovaException):
    msg_fmt = "No fixed IP addresses available for network: %(net)s"
