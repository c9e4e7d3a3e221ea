"""Secrets in SSM Parameter Store (SecureString) under a per-project path, so several projects can
share an AWS account. Values are compared before writing, so a rerun changes nothing."""

from __future__ import annotations

from typing import Any

from tapestry.core.errors import TapestryError


class SecretStoreError(TapestryError):
    """SSM refused a call; the message names the parameter, never its value."""


class SsmSecretStore:
    def __init__(self, prefix: str, client: Any, tags: dict[str, str] | None = None) -> None:
        self.prefix = prefix.rstrip("/")
        self.client = client
        self.tags = tags or {}

    @property
    def location(self) -> str:
        return f"SSM Parameter Store under {self.prefix}"

    def name(self, key: str) -> str:
        return f"{self.prefix}/{key.strip('/')}"

    def _call(self, what: str, key: str, func: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return func(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ParameterNotFound":
                raise KeyError(key) from None
            raise SecretStoreError(
                f"SSM {what} of {self.name(key)} failed ({code})",
                "check the AWS credentials and that they may use ssm:* on this path",
            ) from None
        except BotoCoreError as exc:
            raise SecretStoreError(
                f"SSM {what} of {self.name(key)} failed ({type(exc).__name__})",
                "check the AWS region, credentials and network",
            ) from None

    def get(self, key: str) -> str | None:
        try:
            response = self._call("read", key, self.client.get_parameter, Name=self.name(key), WithDecryption=True)
        except KeyError:
            return None
        return str(response["Parameter"]["Value"])

    def arn(self, key: str) -> str:
        response = self._call("read", key, self.client.get_parameter, Name=self.name(key), WithDecryption=False)
        return str(response["Parameter"]["ARN"])

    def put(self, key: str, value: str, description: str = "") -> bool:
        """Store `value` as a SecureString; returns True when it changed."""
        if not value:
            raise SecretStoreError(f"refusing to store an empty secret at {self.name(key)}", "give a value")
        if self.get(key) == value:
            return False
        self._call(
            "write",
            key,
            self.client.put_parameter,
            Name=self.name(key),
            Value=value,
            Type="SecureString",
            Overwrite=True,
            Description=description or "Tapestry secret",
        )
        if self.tags:
            self._call(
                "tag",
                key,
                self.client.add_tags_to_resource,
                ResourceType="Parameter",
                ResourceId=self.name(key),
                Tags=[{"Key": k, "Value": v} for k, v in sorted(self.tags.items())],
            )
        return True

    def names(self) -> list[str]:
        """Stored names relative to the prefix (`snowflake/loader_private_key`)."""
        paginator = self.client.get_paginator("get_parameters_by_path")
        found: list[str] = []
        for page in paginator.paginate(Path=self.prefix, Recursive=True, WithDecryption=False):
            found += [str(p["Name"])[len(self.prefix) + 1 :] for p in page.get("Parameters", [])]
        return sorted(found)

    def delete(self, key: str) -> bool:
        try:
            self._call("delete", key, self.client.delete_parameter, Name=self.name(key))
        except KeyError:
            return False
        return True

    def delete_all(self) -> list[str]:
        """Remove every parameter under the prefix; returns their full names."""
        names = [self.name(key) for key in self.names()]
        for start in range(0, len(names), 10):
            self.client.delete_parameters(Names=names[start : start + 10])
        return names
