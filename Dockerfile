# GPU serving image: SGLang's CUDA stack + lkv_sglang (core, SGLang plugin, Triton kernels) and
# the shipped LookaheadKV checkpoints. Written but never built here (no container engine, no GPU
# on the project's machines): see docs/serving.md, "Docker", for what was and was not tried.
#
#   docker build -t lkv-sglang .
#   docker run --gpus all --ipc=host -p 127.0.0.1:30000:30000 \
#     -v /srv/models/Llama-3.1-8B-Instruct:/models/model:ro \
#     -v /srv/lookahead/llama-3.1-8b:/models/lookahead:ro \
#     -v lkv-cache:/cache lkv-sglang
#
# The official SGLang image, pinned to the version the plugin's hooks were written against
# (lkv_sglang/sglang_plugin/seams.py: SGLANG_VERSION); "-runtime" is its slimmer serving variant.
ARG SGLANG_IMAGE=lmsysorg/sglang:v0.5.23-runtime
FROM ${SGLANG_IMAGE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The package, its plugin entry point (sglang.srt.plugins: lookaheadkv) and its package data
# (lkv_sglang/checkpoints/*); the build stops if the image's SGLang is not the version the
# plugin was written against. The image's torch and triton are kept as they are (constraints),
# so pip never replaces SGLang's CUDA build. --ignore-requires-python: pyproject.toml says
# <3.12 (the CPU environment), the SGLang image runs Python 3.12.
WORKDIR /opt/lkv/src
COPY pyproject.toml README.md ./
COPY lkv_sglang ./lkv_sglang
COPY kernels ./kernels
COPY app ./app
RUN python3 -m pip freeze | grep -iE '^(torch|triton|transformers|tokenizers)==' > /tmp/keep.txt \
    && python3 -m pip install --no-cache-dir --ignore-requires-python -c /tmp/keep.txt . \
    && python3 -c "import sglang, lkv_kernels; from lkv_sglang.sglang_plugin.seams import SGLANG_VERSION as v; assert sglang.__version__ == v, (sglang.__version__, v)" \
    && ln -s "$(python3 -c 'import lkv_sglang.checkpoints as c; print(c.CHECKPOINT_ROOT)')" /opt/lkv/checkpoints \
    && rm -rf /opt/lkv/src /tmp/keep.txt

# An unprivileged user; models (read-only mounts) and caches (writable) live in volumes.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin lkv \
    && mkdir -p /models /cache \
    && chown lkv:lkv /cache
ENV HF_HOME=/cache/huggingface \
    LKV_CACHE_DIR=/cache/lkv \
    TRITON_CACHE_DIR=/cache/triton \
    XDG_CACHE_HOME=/cache \
    HOME=/home/lkv
VOLUME ["/models", "/cache"]
USER 10001:10001
WORKDIR /home/lkv

# 0.0.0.0 is the container's own network namespace; publish the port on the host's loopback
# (-p 127.0.0.1:30000:30000) or behind a proxy, as the run line above does.
EXPOSE 30000
HEALTHCHECK --interval=30s --timeout=5s --start-period=600s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:30000/health', timeout=4)"]

# Pruning needs the non-overlap scheduler (the plugin refuses the overlap scheduler at start-up
# with a message naming the flag); any page size works. Arguments after the image name replace
# these flags.
ENTRYPOINT ["python3", "-m", "sglang.launch_server"]
CMD ["--model-path", "/models/model", \
     "--eviction", "lookaheadkv", "--eviction-budget", "1024", "--lookahead-path", "/models/lookahead", \
     "--page-size", "1", \
     "--host", "0.0.0.0", "--port", "30000"]
