import json

import pytest

from lkv_sglang.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr()


def test_generate_json(capsys, tiny_llama_dir):
    code, out = run(
        capsys,
        "generate",
        "--model",
        str(tiny_llama_dir),
        "--policy",
        "snapkv",
        "--budget",
        "4",
        "--prompt",
        "the quick brown fox jumps over the lazy dog " * 3,
        "--max-new-tokens",
        "5",
        "--json",
    )
    assert code == 0
    rep = json.loads(out.out)
    assert rep["prompt_len"] > 4
    assert rep["kept_per_layer_head"] == [[4, 4], [4, 4]]
    assert set(rep["timings"]) == {"prefill", "score", "select", "prune", "decode"}


def test_generate_text_report_with_untrained_lookahead(capsys, tiny_llama_dir):
    code, out = run(
        capsys,
        "generate",
        "--model",
        str(tiny_llama_dir),
        "--budget",
        "4",
        "--prompt",
        "hello world " * 8,
        "--max-new-tokens",
        "3",
    )
    assert code == 0
    assert "policy lookaheadkv" in out.out and "UNTRAINED" in out.out


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--policy", "nope"], "unknown policy 'nope'; known: full"),
        (["--budget", "0"], "--budget must be a positive integer; got 0"),
        (["--model", "gpt-9"], "unknown model 'gpt-9'; known: qwen2.5-coder-0.5b, smollm2-135m"),
        (["--prompt", "  "], "the prompt is empty"),
        (["--prompt-file", "/nonexistent/x.txt"], "does not exist"),
    ],
)
def test_bad_input_is_a_clear_error(capsys, args, msg):
    base = (
        ["generate", "--prompt", "hi"]
        if "--prompt" not in args and "--prompt-file" not in args
        else ["generate"]
    )
    with pytest.raises(SystemExit) as e:
        main(base + args)
    assert e.value.code == 2
    assert msg in capsys.readouterr().err


def test_checkpoint_for_another_model_is_refused(capsys, tiny_llama_dir, tiny_qwen2_dir, tmp_path):
    from lkv_sglang.hf import load_model
    from lkv_sglang.hf.geometry import new_lookahead

    qwen, _ = load_model(str(tiny_qwen2_dir))
    new_lookahead(qwen, "tiny-qwen2").save(tmp_path / "ck")
    with pytest.raises(SystemExit):
        main(
            [
                "generate",
                "--model",
                str(tiny_llama_dir),
                "--prompt",
                "hello " * 10,
                "--lookahead-path",
                str(tmp_path / "ck"),
            ]
        )
    err = capsys.readouterr().err
    assert "trained for base model 'tiny-qwen2'" in err and "model_type" in err


def test_one_command_has_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("generate", "dataset", "train", "ship", "bench"):
        assert name in out


def test_subcommands_hand_over_to_their_modules(capsys, tmp_path):
    with pytest.raises(SystemExit) as err:
        main(["train", "--help"])
    assert err.value.code == 0 and "usage: lkv train" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="has no best/ checkpoint"):
        main(["ship", str(tmp_path), "smollm2-135m"])
    with pytest.raises(SystemExit):
        main(["bench", "nope"])
    assert "unknown benchmark 'nope'; known: " in capsys.readouterr().err
