"""Python client shims for a t2i-reward server (`t2ir serve`). Standard library only.

    from t2i_reward_client import RewardClient, make_trl_reward_funcs, make_flow_grpo_reward_fn, compute_score

* RewardClient: POST /v1/score with retries on 429/503 (honours Retry-After).
* TRL: make_trl_reward_funcs() -> one reward function per expert (weights per expert in GRPOConfig.reward_weights);
  the functions of one step share one batched HTTP call. asynchronous=True gives async functions.
* Flow-GRPO: make_flow_grpo_reward_fn() -> fn(images, prompts, metadata) -> (scores, info).
* verl: compute_score(data_source, solution_str, ground_truth, extra_info) and compute_score_batch(...);
  configure with the environment (T2IR_URL, T2IR_TOKEN) since verl passes no client.
* OpenRLHF needs no shim: --remote_rm_url http://HOST:PORT/openrlhf/reward (images in "labels").

Per-expert normalisation (docs/combining-rewards.md): every shim takes `normalize=` — a mode ("batch-z",
"group-z", "running-z", "rank", "none"), a spec dict ({"mode": "running-z", "statistics": "ema", "decay": 0.05}),
specs by expert name, or False (raw) — sent with each request; the server normalises each expert over that
request's items (groups: the prompt, or `groups=`) before aggregating, and keeps running-z statistics across
requests (per model, persisted by `t2ir serve --state`). The raw scores always come back too. verl reads
T2IR_NORMALIZE (a mode or JSON) since it passes no client.

Images can be: bytes (an encoded PNG/JPEG/...), a str (data: URL, http(s) URL the server allows, base64, or a
path; a path that exists here is read and sent as bytes unless send_paths=True, which lets the server read it
under its --image-root), a PIL image, a numpy array (HxWx3 / HxW uint8, or float in [0, 1]), or a torch tensor
(CHW or HWC). Arrays and tensors are encoded as PNG with zlib: no imaging library is needed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import io
import json
import math
import os
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = [
    "RewardClient",
    "RewardServerError",
    "encode_image",
    "png_bytes",
    "make_trl_reward_funcs",
    "make_flow_grpo_reward_fn",
    "compute_score",
    "compute_score_batch",
]

DEFAULT_URL = "http://127.0.0.1:8000"


class RewardServerError(RuntimeError):
    """The server refused the request (4xx/5xx after retries) or could not be reached."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}" if status else message)
        self.status = status


# --- images -------------------------------------------------------------------------------------------------

def png_bytes(pixels: bytes, width: int, height: int, channels: int = 3) -> bytes:
    """Encodes 8-bit gray (1), RGB (3) or RGBA (4) pixels, row-major, as a PNG (zlib only)."""
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    stride = width * channels
    if len(pixels) != stride * height:
        raise ValueError(f"{len(pixels)} bytes for {width}x{height}x{channels}")
    raw = b"".join(b"\x00" + pixels[row * stride:(row + 1) * stride] for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _array_to_png(array: Any) -> bytes:
    if hasattr(array, "detach"):  # torch tensor
        array = array.detach().cpu()
        if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
            array = array.permute(1, 2, 0)  # CHW -> HWC
        array = array.numpy()
    shape = tuple(array.shape)
    if len(shape) == 2:
        height, width, channels = shape[0], shape[1], 1
    elif len(shape) == 3 and shape[2] in (1, 3, 4):
        height, width, channels = shape
    elif len(shape) == 3 and shape[0] in (1, 3, 4):
        array = array.transpose(1, 2, 0)
        height, width, channels = array.shape
    else:
        raise ValueError(f"cannot read an image from an array of shape {shape}")
    kind = str(getattr(array, "dtype", ""))
    if kind.startswith("float"):
        array = (array.clip(0, 1) * 255).round()
    data = array.astype("uint8").tobytes() if hasattr(array, "astype") else bytes(array)
    return png_bytes(data, int(width), int(height), int(channels))


def encode_image(image: Any, send_paths: bool = False) -> Any:
    """Turns one image into what /v1/score accepts: a string or {"base64"} / {"path"}."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return {"base64": base64.b64encode(bytes(image)).decode("ascii")}
    if isinstance(image, os.PathLike):
        image = os.fspath(image)
    if isinstance(image, str):
        if image.startswith(("data:", "http://", "https://")):
            return image
        if not send_paths and os.path.isfile(image):
            with open(image, "rb") as handle:
                return {"base64": base64.b64encode(handle.read()).decode("ascii")}
        if send_paths:
            return {"path": image}
        return image  # base64 text, or a path the server resolves under its image root
    if hasattr(image, "save") and hasattr(image, "mode"):  # PIL.Image
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG")
        return {"base64": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if hasattr(image, "shape"):
        return {"base64": base64.b64encode(_array_to_png(image)).decode("ascii")}
    raise TypeError(f"unsupported image type: {type(image).__name__}")


def _split_batch(images: Any) -> List[Any]:
    """A batched tensor / array (N, ...) becomes a list of N images; lists pass through."""
    if hasattr(images, "shape") and len(getattr(images, "shape")) == 4:
        return [images[index] for index in range(images.shape[0])]
    return list(images)


def _fingerprint(image: Any) -> str:
    if isinstance(image, (bytes, bytearray, memoryview)):
        return hashlib.sha1(bytes(image)).hexdigest()
    if isinstance(image, str):
        return image if len(image) < 512 else hashlib.sha1(image.encode()).hexdigest()
    if hasattr(image, "detach"):
        image = image.detach().cpu().numpy()
    if hasattr(image, "tobytes"):
        return hashlib.sha1(image.tobytes()).hexdigest() + str(getattr(image, "shape", ""))
    return f"id:{id(image)}"


def _retry_after(value: Optional[str]) -> float:
    """Seconds from a Retry-After header (delta-seconds; an HTTP date or nothing counts as 1 s), at most 30."""
    try:
        return min(max(float(value), 0.0), 30.0) if value else 1.0
    except ValueError:
        return 1.0


def _error_message(text: str) -> str:
    try:
        detail = json.loads(text).get("error", text)
        return detail.get("message", text) if isinstance(detail, dict) else str(detail)
    except (ValueError, AttributeError):
        return text


def _resolve_replicas(url: str) -> List[str]:
    """Every address a URL's host resolves to, as URLs (a headless Service lists one per ready pod)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"not a URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = sorted({info[4][0] for info in infos})
    host = lambda a: f"[{a}]" if ":" in a else a  # noqa: E731
    return [urllib.parse.urlunsplit((parts.scheme, f"{host(a)}:{port}", parts.path, "", "")) for a in addresses]


# --- client -------------------------------------------------------------------------------------------------

class RewardClient:
    """A blocking client for /v1/score. Thread-safe; `ascore` runs it in a worker thread.

    `url` may name several replicas of one server (a list, or a comma-separated string; `T2IR_URL` too), and
    `resolve=True` expands a host name into every address it resolves to (a Kubernetes headless Service). A call
    goes to the next replica in turn; a replica that refuses, resets or times out is set aside for `cooldown`
    seconds and the same request goes to another one at once; when every replica answers 429 / 503 the client
    waits as Retry-After says (the longest of them) before the next round. Each call's results come from
    exactly one response, so an item is never counted twice, whatever replica died on the way.
    """

    def __init__(self, url: Any = None, token: Optional[str] = None, timeout: float = 300.0,
                 retries: int = 5, send_paths: bool = False, resolve: bool = False, cooldown: float = 10.0):
        given = url if url is not None else (os.environ.get("T2IR_URL") or DEFAULT_URL)
        urls = [u.strip() for u in (given.split(",") if isinstance(given, str) else list(given)) if u.strip()]
        if not urls:
            raise ValueError("RewardClient needs at least one server URL")
        urls = [u.rstrip("/") for u in urls]
        if resolve:
            urls = [address for u in urls for address in _resolve_replicas(u)]
        self.urls: List[str] = list(dict.fromkeys(urls))
        self.url = self.urls[0]
        self.token = token if token is not None else os.environ.get("T2IR_TOKEN")
        self.timeout = timeout
        self.retries = retries
        self.send_paths = send_paths
        self.cooldown = cooldown
        self.requests_made = 0  # HTTP calls that reached the server (tests and logs)
        self.backoffs: List[float] = []  # seconds slept on 429 / 503 rounds (tests and logs)
        self.failovers = 0  # requests moved to another replica after one failed
        self._next = 0
        self._down_until: Dict[str, float] = {}
        self._lock = threading.Lock()

    def _replica_order(self) -> List[str]:
        """Replicas for one request: in turn from the next one, those set aside last."""
        with self._lock:
            start = self._next
            self._next = (self._next + 1) % len(self.urls)
        order = self.urls[start:] + self.urls[:start]
        now = time.monotonic()
        return [u for u in order if self._down_until.get(u, 0) <= now] + [u for u in order if self._down_until.get(u, 0) > now]

    def _request(self, method: str, path: str, body: Optional[dict] = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        last: Optional[RewardServerError] = None
        for round_index in range(self.retries + 1):
            waits: List[float] = []
            for position, base in enumerate(self._replica_order()):
                request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
                try:
                    with self._lock:
                        self.requests_made += 1
                        if position > 0:
                            self.failovers += 1
                    with urllib.request.urlopen(request, timeout=self.timeout) as response:
                        payload = json.loads(response.read().decode("utf-8"))
                    self._down_until.pop(base, None)
                    return payload
                except urllib.error.HTTPError as error:
                    text = error.read().decode("utf-8", "replace")
                    if error.code in (429, 503):
                        # Busy or draining: try the others now, wait only when all are.
                        waits.append(_retry_after(error.headers.get("retry-after")))
                        last = RewardServerError(error.code, f"{base}: {_error_message(text)}")
                        continue
                    raise RewardServerError(error.code, _error_message(text)) from None
                except (OSError, http.client.HTTPException) as error:  # URLError, refused / reset, timeouts are OSErrors
                    # Refused, reset mid-answer (a killed replica) or silent: set it aside, go on with another.
                    self._down_until[base] = time.monotonic() + self.cooldown
                    last = RewardServerError(0, f"{base}: {getattr(error, 'reason', error)}")
                    continue
            if round_index == self.retries:
                break
            pause = max(waits) if waits else min(2 ** round_index * 0.1, 5)
            self.backoffs.append(pause)
            time.sleep(pause)
        assert last is not None
        raise last

    def experts(self) -> List[dict]:
        """The served experts: [{name, kind, modelId, weight}]."""
        return self._request("GET", "/v1/models")["experts"]

    def score(self, images: Sequence[Any], prompts: Sequence[str], specs: Optional[Sequence[Optional[dict]]] = None,
              details: bool = False, normalize: Any = None, groups: Optional[Sequence[Any]] = None) -> List[dict]:
        """Scores a batch in one call: per item {"reward", "experts": {name: {"score", "raw", "normalized"?, ...}},
        "warnings", "error"?}. `normalize` (see the module doc) is applied by the server over this call's items;
        `groups` (one key per item, default the prompt) are the groups of group-z and rank."""
        images = _split_batch(images)
        if len(images) != len(prompts):
            raise ValueError(f"{len(images)} images but {len(prompts)} prompts")
        items = []
        for index, (image, prompt) in enumerate(zip(images, prompts)):
            item: Dict[str, Any] = {"image": encode_image(image, self.send_paths), "prompt": str(prompt)}
            if specs is not None and specs[index] is not None:
                item["spec"] = specs[index]
            if groups is not None:
                item["metadata"] = {"group": groups[index]}
            items.append(item)
        if not items:
            return []
        body: Dict[str, Any] = {"items": items, "details": details}
        if normalize is not None:
            body["normalize"] = normalize
        return self._request("POST", "/v1/score", body)["results"]

    async def ascore(self, images: Sequence[Any], prompts: Sequence[str], specs: Optional[Sequence[Optional[dict]]] = None,
                     details: bool = False, normalize: Any = None, groups: Optional[Sequence[Any]] = None) -> List[dict]:
        return await asyncio.to_thread(self.score, images, prompts, specs, details, normalize, groups)


def _value(number: Optional[float], failed: Optional[float]) -> Optional[float]:
    return failed if number is None else float(number)


def _expert_value(outcome: dict, failed: Optional[float]) -> Optional[float]:
    """The value the server's reward used for this expert: the normalised one when it normalised, else the score."""
    normalized = outcome.get("normalized")
    if isinstance(normalized, dict):
        return _value(normalized.get("value"), failed)
    return _value(outcome.get("score"), failed)


# --- TRL ----------------------------------------------------------------------------------------------------

def _prompt_text(prompt: Any) -> str:
    """TRL prompts are strings or conversations ([{"role", "content"}]): take the last user text."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        for message in reversed(prompt):
            if isinstance(message, dict) and message.get("role", "user") == "user":
                content = message.get("content")
                if isinstance(content, str):
                    return content
                if isinstance(content, list):
                    return " ".join(part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text")
    return str(prompt)


def make_trl_reward_funcs(client: Optional[RewardClient] = None, experts: Optional[Sequence[str]] = None,
                          image_key: str = "images", include_total: bool = False, failed: Optional[float] = None,
                          asynchronous: bool = False, normalize: Any = None) -> List[Callable[..., Any]]:
    """TRL reward functions, one per expert (named t2ir_<expert>), plus t2ir_total when include_total.

    TRL calls each as fn(prompts, completions, **columns). Images come from the dataset column `image_key`
    (kwargs) when present, else the completions themselves. The functions of one step share one HTTP call:
    the first computes, the others reuse it (same prompts and images). Failed items give `failed` (None: TRL
    ignores it). With asynchronous=True the functions are coroutines (TRL runs async reward functions
    concurrently) sharing one in-flight request.

    With `normalize` (e.g. "running-z" or {"mode": "group-z"}) each function returns its expert's normalised
    value (the server normalises over the step's items, grouped by prompt): TRL's reward_weights then weigh
    experts of like scale, and its own group normalisation of the weighted sum follows (GDPO-like with
    "group-z"; with "running-z" the per-expert scale is fixed by statistics over the whole run).
    """
    client = client or RewardClient()
    names = list(experts) if experts is not None else [expert["name"] for expert in client.experts()]
    lock = threading.Lock()
    state: Dict[str, Any] = {"key": None, "results": None, "future": None}

    def inputs(prompts: Sequence[Any], completions: Sequence[Any], kwargs: dict) -> Tuple[List[Any], List[str], tuple]:
        images = kwargs.get(image_key)
        images = _split_batch(images if images is not None else completions)
        texts = [_prompt_text(prompt) for prompt in prompts]
        key = (tuple(texts), tuple(_fingerprint(image) for image in images))
        return images, texts, key

    def pick(results: List[dict], name: Optional[str]) -> List[Optional[float]]:
        if name is None:
            return [_value(result.get("reward"), failed) for result in results]
        return [_expert_value(result.get("experts", {}).get(name, {}), failed) for result in results]

    def shared(prompts, completions, kwargs) -> List[dict]:
        images, texts, key = inputs(prompts, completions, kwargs)
        with lock:
            if state["key"] == key and state["results"] is not None:
                return state["results"]
            results = client.score(images, texts, normalize=normalize)
            state["key"], state["results"] = key, results
            return results

    async def shared_async(prompts, completions, kwargs) -> List[dict]:
        images, texts, key = inputs(prompts, completions, kwargs)
        if state["key"] == key and state["future"] is not None:
            return await state["future"]
        future = asyncio.ensure_future(client.ascore(images, texts, normalize=normalize))
        state["key"], state["future"] = key, future
        return await future

    funcs: List[Callable[..., Any]] = []
    for name in names + ([None] if include_total else []):  # type: ignore[list-item]
        def make(expert: Optional[str]) -> Callable[..., Any]:
            if asynchronous:
                async def reward(prompts, completions, **kwargs):
                    return pick(await shared_async(prompts, completions, kwargs), expert)
            else:
                def reward(prompts, completions, **kwargs):
                    return pick(shared(prompts, completions, kwargs), expert)
            reward.__name__ = f"t2ir_{expert}" if expert is not None else "t2ir_total"
            return reward
        funcs.append(make(name))
    return funcs


# --- Flow-GRPO ----------------------------------------------------------------------------------------------

def _spec_of(item: Any) -> Optional[dict]:
    """A metadata item that is a PromptSpec, or carries one under "spec"."""
    if isinstance(item, dict):
        if "objects" in item:
            return item
        if isinstance(item.get("spec"), dict):
            return item["spec"]
    return None


def make_flow_grpo_reward_fn(client: Optional[RewardClient] = None, failed: float = math.nan,
                             normalize: Any = None) -> Callable[..., Tuple[List[float], dict]]:
    """A Flow-GRPO style reward: fn(images, prompts, metadata, **_) -> (scores, info).

    `images`: a (N, 3, H, W) float tensor in [0, 1] (Flow-GRPO's pipeline output), a uint8 NHWC array, or a
    list of any supported image. `metadata` items that carry a PromptSpec ({"objects": ...}) are sent as the
    spec. info = {"experts": {name: [score...]}, "raw": {name: [raw...]}, "warnings": [[...]...], "errors": [...]},
    plus "normalized": {name: [value...]} with `normalize`, when the scores are the aggregate of normalised experts
    (Flow-GRPO's per-prompt stat tracker then z-scores that aggregate per prompt, as it does any reward).
    """
    client = client or RewardClient()

    def reward_fn(images: Any, prompts: Sequence[str], metadata: Optional[Sequence[Any]] = None, **_: Any) -> Tuple[List[float], dict]:
        specs = [_spec_of(item) for item in metadata] if metadata is not None else None
        results = client.score(images, list(prompts), specs, normalize=normalize)
        names = sorted({name for result in results for name in result.get("experts", {})})
        info = {
            "experts": {name: [_value(r["experts"].get(name, {}).get("score"), failed) for r in results] for name in names},
            "raw": {name: [_value(r["experts"].get(name, {}).get("raw"), failed) for r in results] for name in names},
            "warnings": [result.get("warnings", []) for result in results],
            "errors": [result.get("error") for result in results],
        }
        if normalize is not None:
            info["normalized"] = {name: [_expert_value(r["experts"].get(name, {}), failed) for r in results] for name in names}
        return [_value(result.get("reward"), failed) for result in results], info

    return reward_fn


# --- verl ---------------------------------------------------------------------------------------------------

_default_client: Optional[RewardClient] = None


def _client() -> RewardClient:
    global _default_client
    if _default_client is None:
        _default_client = RewardClient()
    return _default_client


def _verl_item(solution_str: Any, ground_truth: Any, extra_info: Optional[dict]) -> Tuple[Any, str]:
    extra = extra_info or {}
    image = extra.get("image", solution_str)
    prompt = extra.get("prompt", ground_truth if isinstance(ground_truth, str) else "")
    return image, str(prompt)


def _verl_normalize() -> Any:
    """T2IR_NORMALIZE: a mode name or JSON (verl passes no arguments); None when unset."""
    value = os.environ.get("T2IR_NORMALIZE")
    if not value:
        return None
    return json.loads(value) if value.lstrip()[:1] in "{[" else value


def _verl_result(result: dict, failed: float) -> dict:
    scored = {"score": _value(result.get("reward"), failed)}
    for name, outcome in result.get("experts", {}).items():
        scored[name] = _value(outcome.get("score"), failed)
        if isinstance(outcome.get("normalized"), dict):
            scored[f"{name}_normalized"] = _expert_value(outcome, failed)
    return scored


def compute_score(data_source: Any, solution_str: Any, ground_truth: Any, extra_info: Optional[dict] = None,
                  failed: float = math.nan, **_: Any) -> dict:
    """verl custom_reward_function: the image is extra_info["image"] (else solution_str), the prompt
    extra_info["prompt"] (else ground_truth). Returns {"score": total, <expert>: score...}. Server from T2IR_URL."""
    image, prompt = _verl_item(solution_str, ground_truth, extra_info)
    return _verl_result(_client().score([image], [prompt], normalize=_verl_normalize())[0], failed)


def compute_score_batch(data_sources: Sequence[Any], solution_strs: Sequence[Any], ground_truths: Sequence[Any],
                        extra_infos: Optional[Sequence[Optional[dict]]] = None, failed: float = math.nan, **_: Any) -> List[dict]:
    """verl BatchRewardManager variant: one HTTP call for the whole batch."""
    extras = extra_infos if extra_infos is not None else [None] * len(solution_strs)
    pairs = [_verl_item(solution, truth, extra) for solution, truth, extra in zip(solution_strs, ground_truths, extras)]
    results = _client().score([image for image, _ in pairs], [prompt for _, prompt in pairs], normalize=_verl_normalize())
    return [_verl_result(result, failed) for result in results]
