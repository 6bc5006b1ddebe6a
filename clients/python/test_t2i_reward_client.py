"""Tests of the client shims against a running t2i-reward server (started by the vitest test
packages/server/src/python-client.test.ts, which sets T2IR_URL, T2IR_TOKEN and T2IR_IMAGE_ROOT).
Without T2IR_URL the server tests are skipped with that reason; the PNG writer test always runs.

The server serves two mock experts: "bright" (mean pixel value / 255) and "half" (that / 2, weight 3), with
aggregate weighted-mean, so the total is 0.625 * brightness; "bright" fails items whose prompt is "fail me".
"""

import asyncio
import base64
import math
import os
import unittest
import zlib

from t2i_reward_client import (
    RewardClient,
    RewardServerError,
    compute_score,
    compute_score_batch,
    make_flow_grpo_reward_fn,
    make_trl_reward_funcs,
    png_bytes,
)

try:
    import numpy
except ImportError:  # numpy is optional: the shims need only the standard library
    numpy = None


def solid_png(rgb, width=6, height=4):
    return png_bytes(bytes(rgb) * (width * height), width, height)


def brightness(rgb):
    return sum(rgb) / 3 / 255


SERVER_URL = os.environ.get("T2IR_URL")
START_ONE = "or run `npx vitest run packages/server/src/python-client.test.ts`, which starts one (see README, Tests)"
if not SERVER_URL:
    SKIP_REASON = (
        "no server given: set T2IR_URL, T2IR_IMAGE_ROOT and T2IR_TOKEN to a running server serving the mock experts, "
        + START_ONE
    )
elif not os.environ.get("T2IR_IMAGE_ROOT"):
    SKIP_REASON = (
        "T2IR_URL is set but T2IR_IMAGE_ROOT is not: the server tests write their PNGs into the server's image root "
        "(and need the mock experts and T2IR_TOKEN), " + START_ONE
    )
else:
    SKIP_REASON = ""
NEEDS_SERVER = unittest.skipUnless(not SKIP_REASON, SKIP_REASON)

RED = (200, 20, 20)
GREY = (90, 90, 90)


class PngWriterTest(unittest.TestCase):
    def test_png_structure(self):
        data = solid_png(RED, 3, 2)
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(data[12:16], b"IHDR")
        idat = data.index(b"IDAT")
        length = int.from_bytes(data[idat - 4:idat], "big")
        raw = zlib.decompress(data[idat + 4:idat + 4 + length])
        self.assertEqual(raw, (b"\x00" + bytes(RED) * 3) * 2)


@NEEDS_SERVER
class ServerTest(unittest.TestCase):
    def setUp(self):
        self.client = RewardClient()

    def test_score_forms(self):
        root = os.environ["T2IR_IMAGE_ROOT"]
        with open(os.path.join(root, "grey.png"), "wb") as handle:
            handle.write(solid_png(GREY))
        data_url = "data:image/png;base64," + base64.b64encode(solid_png(RED)).decode()
        path_client = RewardClient(send_paths=True)
        results = self.client.score([solid_png(RED), data_url, base64.b64encode(solid_png(GREY)).decode()], ["a", "b", "c"])
        results += path_client.score(["grey.png"], ["d"])
        expected = [brightness(RED), brightness(RED), brightness(GREY), brightness(GREY)]
        for result, value in zip(results, expected):
            self.assertAlmostEqual(result["reward"], 0.625 * value, places=9)
            self.assertAlmostEqual(result["experts"]["bright"]["score"], value, places=9)

    def test_local_path_is_sent_as_bytes(self):
        path = os.path.join(os.environ["T2IR_IMAGE_ROOT"], "red.png")
        with open(path, "wb") as handle:
            handle.write(solid_png(RED))
        [result] = self.client.score([path], ["red"])
        self.assertAlmostEqual(result["reward"], 0.625 * brightness(RED), places=9)

    def test_refusals_raise(self):
        with self.assertRaises(RewardServerError) as caught:
            RewardClient(send_paths=True).score(["../../etc/passwd"], ["x"])
        self.assertEqual(caught.exception.status, 403)
        with self.assertRaises(RewardServerError) as caught:
            RewardClient(token="wrong", retries=0).score([solid_png(RED)], ["x"])
        self.assertEqual(caught.exception.status, 401)

    def test_experts(self):
        self.assertEqual([expert["name"] for expert in self.client.experts()], ["bright", "half"])


@NEEDS_SERVER
class TrlTest(unittest.TestCase):
    def test_one_function_per_expert_sharing_one_call(self):
        client = RewardClient()
        funcs = make_trl_reward_funcs(client, include_total=True)
        self.assertEqual([func.__name__ for func in funcs], ["t2ir_bright", "t2ir_half", "t2ir_total"])
        calls_before = client.requests_made
        prompts = [[{"role": "user", "content": "a red square"}], "fail me"]
        images = [solid_png(RED), solid_png(GREY)]
        bright, half, total = (func(prompts, ["<image>", "<image>"], images=images) for func in funcs)
        self.assertEqual(client.requests_made - calls_before, 1)
        self.assertAlmostEqual(bright[0], brightness(RED), places=9)
        self.assertIsNone(bright[1])  # failed: None, which TRL ignores
        self.assertAlmostEqual(half[1], brightness(GREY) / 2, places=9)
        self.assertAlmostEqual(total[0], 0.625 * brightness(RED), places=9)
        # A new step (other images) makes a new call.
        funcs[0](["x"], [solid_png(GREY)])
        self.assertEqual(client.requests_made - calls_before, 2)

    def test_async_functions_share_one_call(self):
        client = RewardClient()
        funcs = make_trl_reward_funcs(client, asynchronous=True)
        images = [solid_png(RED)]

        async def step():
            return await asyncio.gather(*(func(["red"], images) for func in funcs))

        calls_before = client.requests_made
        bright, half = asyncio.run(step())
        self.assertEqual(client.requests_made - calls_before, 1)
        self.assertAlmostEqual(bright[0], brightness(RED), places=9)
        self.assertAlmostEqual(half[0], brightness(RED) / 2, places=9)


@NEEDS_SERVER
class FlowGrpoTest(unittest.TestCase):
    def test_images_prompts_metadata(self):
        reward_fn = make_flow_grpo_reward_fn()
        spec = {"objects": [{"name": "square"}], "relations": []}
        scores, info = reward_fn([solid_png(RED), solid_png(GREY)], ["red", "fail me"], [{"spec": spec}, {}])
        self.assertAlmostEqual(scores[0], 0.625 * brightness(RED), places=9)
        self.assertAlmostEqual(scores[1], brightness(GREY) / 2, places=9)  # only "half" scored it
        self.assertTrue(math.isnan(info["experts"]["bright"][1]))
        self.assertEqual(sorted(info["experts"]), ["bright", "half"])

    @unittest.skipIf(numpy is None, "numpy not installed")
    def test_float_nchw_batch_like_the_pipeline_output(self):
        reward_fn = make_flow_grpo_reward_fn()
        batch = numpy.zeros((2, 3, 4, 5), dtype=numpy.float32)
        batch[0, 0] = 1.0  # red channel full: brightness 1/3
        batch[1] = 0.5
        scores, _ = reward_fn(batch, ["a", "b"], None)
        self.assertAlmostEqual(scores[0], 0.625 * (255 / 3 / 255), places=6)
        self.assertAlmostEqual(scores[1], 0.625 * (128 / 255), places=6)  # 0.5 * 255 rounds to 128


@NEEDS_SERVER
class VerlTest(unittest.TestCase):
    def test_compute_score(self):
        result = compute_score("t2i", "<image>", "a red square", {"image": solid_png(RED)})
        self.assertAlmostEqual(result["score"], 0.625 * brightness(RED), places=9)
        self.assertAlmostEqual(result["bright"], brightness(RED), places=9)

    def test_compute_score_batch(self):
        results = compute_score_batch(["t2i", "t2i"], ["", ""], ["red", "fail me"],
                                      [{"image": solid_png(RED)}, {"image": solid_png(GREY)}])
        self.assertAlmostEqual(results[0]["score"], 0.625 * brightness(RED), places=9)
        self.assertTrue(math.isnan(results[1]["bright"]))



@NEEDS_SERVER
class NormalizeTest(unittest.TestCase):
    """The server normalises each expert over the request's items (docs/combining-rewards.md); raw scores stay."""

    def test_trl_group_z_per_expert(self):
        client = RewardClient()
        bright, half = make_trl_reward_funcs(client, normalize="group-z")
        prompts, images = ["same prompt", "same prompt"], [solid_png(RED), solid_png(GREY)]
        spread = abs(brightness(RED) - brightness(GREY)) / 2  # population std of the two
        z = spread / (spread + 1e-4)
        self.assertAlmostEqual(bright(prompts, ["", ""], images=images)[0], -z, places=9)  # RED is the darker
        self.assertAlmostEqual(half(prompts, ["", ""], images=images)[1], (spread / 2) / (spread / 2 + 1e-4), places=9)
        [raw] = client.score([solid_png(RED)], ["x"], normalize=False)
        self.assertAlmostEqual(raw["experts"]["bright"]["score"], brightness(RED), places=9)
        self.assertNotIn("normalized", raw["experts"]["bright"])

    def test_flow_grpo_running_z_across_calls(self):
        reward_fn = make_flow_grpo_reward_fn(normalize={"mode": "running-z"})
        seen = []
        for batch in ([RED, GREY], [RED]):
            scores, info = reward_fn([solid_png(rgb) for rgb in batch], ["p"] * len(batch), None)
            seen += [brightness(rgb) for rgb in batch]
            mean = sum(seen) / len(seen)
            std = math.sqrt(sum((v - mean) ** 2 for v in seen) / len(seen))  # Welford = the std of all values seen
            for index, rgb in enumerate(batch):
                z = (brightness(rgb) - mean) / (std + 1e-4)
                self.assertAlmostEqual(info["normalized"]["bright"][index], z, places=9)
                self.assertAlmostEqual(info["experts"]["bright"][index], brightness(rgb), places=9)  # raw kept
                # the reward: weighted-mean (1, 3) of the normalised experts; "half" is bright / 2, its std half as large
                z_half = (brightness(rgb) / 2 - mean / 2) / (std / 2 + 1e-4)
                self.assertAlmostEqual(scores[index], (z + 3 * z_half) / 4, places=9)
        self.assertEqual(len(seen), 3)

    def test_verl_reads_t2ir_normalize(self):
        os.environ["T2IR_NORMALIZE"] = '{"mode": "rank"}'
        try:
            results = compute_score_batch(["t2i", "t2i"], ["", ""], ["one prompt", "one prompt"],
                                          [{"image": solid_png(RED)}, {"image": solid_png(GREY)}])
        finally:
            del os.environ["T2IR_NORMALIZE"]
        self.assertEqual([r["bright_normalized"] for r in results], [0.0, 1.0])
        self.assertEqual([r["score"] for r in results], [0.0, 1.0])  # weighted-mean of ranks
        self.assertAlmostEqual(results[0]["bright"], brightness(RED), places=9)


if __name__ == "__main__":
    unittest.main()
