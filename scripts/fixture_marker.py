"""t2ir-fixture.json, written by every fixture generator into the model folder it makes: it marks the folder as
random weights, so whatever the folder scores is labelled as such (the loaders read it; `t2ir models` shows it)."""
import json
import os

MARKER = {
    "randomWeights": True,
    "note": "tiny random-weight test model in the published layout: it exercises the loading and scoring code; its scores carry no meaning",
}


def write_fixture_marker(out_dir):
    with open(os.path.join(out_dir, "t2ir-fixture.json"), "w") as f:
        json.dump(MARKER, f, indent=2)
        f.write("\n")
