#!/usr/bin/env python3
"""Checks Remit's AsyncAPI document (docs/asyncapi.json, `remit topology asyncapi`) with tools
that are not Remit's own:

- parses it with `asyncapi3` (PyPI), a pydantic model of the AsyncAPI 3.0 specification, which
  refuses unknown fields and wrong shapes;
- resolves every `$ref` in it (each must be a pointer into the document itself);
- checks the specification's rules between objects: an operation's channel exists and its
  messages are the channel's; a reply's messages are its channel's; a channel's messages are
  components;
- validates every message example against its payload schema with `jsonschema` (draft 2020-12,
  formats checked), and each against the body schema in Topology/schemas directly;
- and makes sure the check can fail: each example broken in three ways (a required member taken
  out, a member added, the type changed) must be refused.

Usage: check_asyncapi.py DOCUMENT [TOPOLOGY_DIR]. Exit 0 and one summary line, or 1 and every
problem found.
"""

import copy
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")  # asyncapi3 warns about its own field names at import

import jsonschema  # noqa: E402
from asyncapi3.models import AsyncAPI3  # noqa: E402
from referencing import Registry, Resource  # noqa: E402
from referencing.jsonschema import DRAFT202012  # noqa: E402

DOCUMENT_URI = "urn:remit:asyncapi"


def pointer(document, ref):
    """The value at a local JSON pointer (`#/a/b`), or raise KeyError."""
    if not ref.startswith("#/"):
        raise KeyError(f"not a local pointer: {ref}")
    value = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def references(value, path="#"):
    if isinstance(value, dict):
        for key, member in value.items():
            if key == "$ref" and isinstance(member, str):
                yield path, member
            else:
                yield from references(member, f"{path}/{key}")
    elif isinstance(value, list):
        for index, member in enumerate(value):
            yield from references(member, f"{path}/{index}")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as file:
        document = json.load(file)
    topology = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(__file__), "..", "..", "Topology")
    problems = []

    try:
        AsyncAPI3.model_validate(document)
    except Exception as error:  # pydantic's ValidationError lists every field it refused
        problems.append(f"not an AsyncAPI 3.0 document: {error}")
    if document.get("asyncapi") != "3.0.0":
        problems.append(f"asyncapi is {document.get('asyncapi')!r}, expected '3.0.0'")

    for path, ref in references(document):
        try:
            pointer(document, ref)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{path}: $ref {ref!r} resolves to nothing in the document")

    channels = document.get("channels", {})
    component_messages = document.get("components", {}).get("messages", {})
    for name, channel in channels.items():
        for key, message in channel.get("messages", {}).items():
            if message.get("$ref") != f"#/components/messages/{key}":
                problems.append(f"channel {name}: message {key} is not #/components/messages/{key}")
    for name, operation in document.get("operations", {}).items():
        channel_ref = operation.get("channel", {}).get("$ref", "")
        channel_name = channel_ref.removeprefix("#/channels/")
        if channel_name not in channels:
            problems.append(f"operation {name}: its channel {channel_ref!r} is not a channel")
            continue
        for message in operation.get("messages", []):
            if not message.get("$ref", "").startswith(f"{channel_ref}/messages/"):
                problems.append(f"operation {name}: message {message} is not one of its channel's")
        reply = operation.get("reply")
        if reply:
            reply_channel = reply.get("channel", {}).get("$ref", "")
            for message in reply.get("messages", []):
                if not message.get("$ref", "").startswith(f"{reply_channel}/messages/"):
                    problems.append(f"operation {name}: reply message {message} is not one of its reply channel's")

    registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
    body_registry = Registry()
    schemas_directory = os.path.join(topology, "schemas")
    for file_name in sorted(os.listdir(schemas_directory)):
        with open(os.path.join(schemas_directory, file_name), encoding="utf-8") as file:
            body_registry = body_registry.with_resource(
                file_name, Resource.from_contents(json.load(file), default_specification=DRAFT202012))
    format_checker = jsonschema.Draft202012Validator.FORMAT_CHECKER

    def validator(name):
        schema = {"$ref": f"{DOCUMENT_URI}#/components/schemas/{name}"}
        return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=format_checker)

    examples = 0
    refused = 0
    for name, message in component_messages.items():
        payload = message.get("payload", {}).get("$ref", "").removeprefix("#/components/schemas/")
        check = validator(payload)
        if not message.get("examples"):
            problems.append(f"message {name} has no example")
        for example in message.get("examples", []):
            examples += 1
            envelope = example.get("payload")
            label = f"message {name}, example {example.get('name')}"
            body_file = f"{envelope.get('type')}.v{envelope.get('version')}.json"
            body_check = jsonschema.Draft202012Validator(
                {"$ref": body_file}, registry=body_registry, format_checker=format_checker)
            for error in check.iter_errors(envelope):
                problems.append(f"{label}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}")
            for error in body_check.iter_errors(envelope.get("body")):
                problems.append(f"{label}: Topology/schemas/{body_file} refuses the body: {error.message}")
            # The check must be able to fail.
            required = next(iter(document["components"]["schemas"][f"{payload}-body"].get("required", [])), None)
            broken = []
            if required is not None:
                without = copy.deepcopy(envelope)
                del without["body"][required]
                broken.append(("without " + required, without))
            added = copy.deepcopy(envelope)
            added["body"]["notAMember"] = 1
            broken.append(("with a member added", added))
            retyped = copy.deepcopy(envelope)
            retyped["type"] = "no.such.type"
            broken.append(("with another type", retyped))
            for how, instance in broken:
                if check.is_valid(instance):
                    problems.append(f"{label}: the payload schema accepts the example {how}")
                else:
                    refused += 1

    if examples == 0:
        problems.append("the document has no message examples")
    if problems:
        for problem in problems:
            print(problem)
        return 1
    print(
        f"asyncapi: valid AsyncAPI {document['asyncapi']}: {len(channels)} channels, "
        f"{len(document.get('operations', {}))} operations, {len(component_messages)} messages; "
        f"{examples} examples valid, {refused} broken examples refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
