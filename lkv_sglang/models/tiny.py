"""Build tiny random Llama / Qwen2 models with an offline BPE tokenizer and chat template.

Used by tests (transformers path, SGLang server) and notebooks; nothing is downloaded.
usage: python -m lkv_sglang.models.tiny OUT_DIR [llama|qwen2]
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

WORDS = (
    "the quick brown fox jumps over the lazy dog hello world sglang radix cache kv eviction "
    "lookahead prefill decode token layer attention user assistant system number city magic"
).split()
SPECIAL = ["<s>", "</s>", "<pad>", "<|user|>", "<|assistant|>", "<|system|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def build_tokenizer(out: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(20)) for i in range(2000)]
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", tok.token_to_id("<s>"))]
    )
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        chat_template=CHAT_TEMPLATE,
        model_max_length=4096,
    )
    hf_tok.save_pretrained(out)
    return hf_tok


def build_tiny(out: str | Path, arch: str = "llama", seed: int = 0, num_layers: int = 2) -> Path:
    """Write a tiny random model directory (fp32, GQA) and return its path.

    llama: hidden 64, 4 query / 2 KV heads. qwen2: hidden 64, 6 query / 2 KV heads (group 3),
    with q/k/v biases as in Qwen2.
    """
    from transformers import (
        GenerationConfig,
        LlamaConfig,
        LlamaForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    tok = build_tokenizer(out)
    common = dict(
        vocab_size=len(tok),
        intermediate_size=128,
        num_hidden_layers=num_layers,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=False,
    )
    if arch == "llama":
        cfg = LlamaConfig(hidden_size=64, num_attention_heads=4, **common)
        model = LlamaForCausalLM(cfg)
    elif arch == "qwen2":
        cfg = Qwen2Config(hidden_size=96, num_attention_heads=6, **common)
        model = Qwen2ForCausalLM(cfg)
    else:
        raise ValueError(f"unknown tiny arch {arch!r}; known: llama, qwen2")
    # Larger random weights give peaked attention, so eviction visibly changes outputs.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.mul_(5.0)
    model.to(torch.float32).save_pretrained(out, safe_serialization=True)
    GenerationConfig(
        bos_token_id=cfg.bos_token_id, eos_token_id=cfg.eos_token_id, pad_token_id=cfg.pad_token_id
    ).save_pretrained(out)
    return out


if __name__ == "__main__":
    path = build_tiny(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "llama")
    print(path)
