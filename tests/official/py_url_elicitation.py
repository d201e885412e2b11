"""URL-mode elicitation against the official Python SDK's client (mcp 2.x,
from the shared tools' venv in EXT_DIR): a 2025-11-25 session (mode="legacy")
and a 2026-07-28 client (mode="auto", multi round-trip). Usage:
python py_url_elicitation.py BASE (MCP endpoint at BASE/mcp). Prints one JSON
line; exits 1 on failure."""
from __future__ import annotations

import asyncio
import json
import sys

import mcp_types as types
from mcp import Client, UrlElicitationRequiredError
from mcp.shared.exceptions import MCPError


async def run(url: str, mode: str, out: dict, fails: list[str]) -> None:
    seen: list[dict] = []

    async def on_elicit(context, params):
        seen.append(params.model_dump(by_alias=True, exclude_none=True))
        return types.ElicitResult(action="accept")

    async with Client(url, mode=mode, elicitation_callback=on_elicit) as client:
        result = await client.call_tool("connect", {})
        text = " ".join(getattr(c, "text", "") for c in result.content)
        report = {"protocol": client.protocol_version, "text": text, "requests": seen}
        if not text.startswith("Accept ") or len(seen) != 1 or seen[0].get("mode") != "url":
            fails.append(f"{mode}: connect -> {text!r}, requests {seen}")
        elif mode == "legacy" and seen[0].get("elicitationId") != text.removeprefix("Accept "):
            fails.append(f"legacy: elicitationId {seen[0]} vs {text!r}")
        elif mode == "auto" and "elicitationId" in seen[0]:
            fails.append(f"2026-07-28 got an elicitationId: {seen[0]}")
        if mode == "legacy":
            try:
                await client.call_tool("pay", {})
                fails.append("legacy: pay did not fail")
            except MCPError as e:
                # The SDK's client raises MCPError; its own class reads the
                # error's data (validating each elicitation's params).
                try:
                    required = UrlElicitationRequiredError.from_error(e.error)
                    report["required"] = [
                        el.model_dump(by_alias=True, exclude_none=True) for el in required.elicitations
                    ]
                except ValueError as bad:
                    fails.append(f"legacy: pay raised {e.error.code} {e.error.message}: {bad}")
        out[mode] = report


async def main() -> int:
    url = f"{sys.argv[1]}/mcp"
    out: dict = {}
    fails: list[str] = []
    for mode in ("legacy", "auto"):
        await run(url, mode, out, fails)
    out["fails"] = fails
    print(json.dumps(out))
    return 1 if fails else 0


sys.exit(asyncio.run(main()))
