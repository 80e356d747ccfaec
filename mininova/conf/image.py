"""[image] options: the API side's image store."""
from oslo_config import cfg

image_group = cfg.OptGroup("image", title="Image store options")

image_opts = [
    cfg.StrOpt("store_path", default="$state_path/images",
               help="Directory holding image files, one file per image id. Compute hosts "
                    "read images from this same path, so on several machines it must be "
                    "shared storage (e.g. NFS) mounted at the same place."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(image_group)
    conf.register_opts(image_opts, group=image_group)


def list_opts() -> dict:
    return {image_group: image_opts}
