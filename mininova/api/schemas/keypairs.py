"""Request bodies of POST /os-keypairs, per microversion (Nova's create schemas).

2.2 adds ``type`` (ssh, x509); 2.10 adds ``user_id`` (whose key pair an admin makes);
2.92 stops generating keys (``public_key`` is required) and allows '@' and '.' in names.
"""
import copy

# NOTE: Nova's key pair names: letters, digits, '_', '-' and inner spaces (no leading or
# trailing whitespace); from 2.92 '@' and '.' too.
_name = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": r"^(?! )[a-zA-Z0-9_\- ]*(?<! )$"}
_name_v292 = {"type": "string", "minLength": 1, "maxLength": 255,
              "pattern": r"^(?! )[a-zA-Z0-9@._\- ]*(?<! )$"}

create = {
    "type": "object",
    "properties": {
        "keypair": {
            "type": "object",
            "properties": {
                "name": _name,
                "public_key": {"type": "string"},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["keypair"],
    "additionalProperties": False,
}

create_v22 = copy.deepcopy(create)
create_v22["properties"]["keypair"]["properties"]["type"] = {
    "type": "string", "enum": ["ssh", "x509"]}

create_v210 = copy.deepcopy(create_v22)
# NOTE: bounded by the column that stores it (Nova leaves it open and fails later).
create_v210["properties"]["keypair"]["properties"]["user_id"] = {"type": "string",
                                                                 "maxLength": 255}

create_v292 = copy.deepcopy(create_v210)
create_v292["properties"]["keypair"]["properties"]["name"] = _name_v292
create_v292["properties"]["keypair"]["required"] = ["name", "public_key"]
