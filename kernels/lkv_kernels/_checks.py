"""Argument checks shared by the launchers: clear errors that name the bad value."""

from __future__ import annotations

from collections.abc import Sequence

import torch

FLOAT_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
INDEX_DTYPES = (torch.int32, torch.int64)


def check_tensor(
    name: str,
    t: object,
    dim: int,
    dtypes: tuple[torch.dtype, ...],
    device: torch.device | None = None,
    last_contiguous: bool = True,
) -> torch.Tensor:
    """Raise ``ValueError``/``TypeError`` unless ``t`` is a ``dim``-D tensor of an allowed dtype.

    ``last_contiguous`` requires stride 1 on the last dimension (kernels vectorise along it).
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != dim:
        raise ValueError(f"{name} must be {dim}-D, got shape {tuple(t.shape)}")
    if t.dtype not in dtypes:
        raise TypeError(f"{name} dtype {t.dtype} not in {[str(d) for d in dtypes]}")
    if device is not None and t.device != device:
        raise ValueError(f"{name} is on {t.device}, expected {device}")
    if last_contiguous and t.shape[-1] > 1 and t.stride(-1) != 1:
        raise ValueError(f"{name} must have stride 1 on its last dim, got strides {t.stride()}")
    return t


def as_host_ints(name: str, values: Sequence[int] | torch.Tensor, n: int) -> torch.Tensor:
    """``values`` as a (n,) int64 CPU tensor; raises if the length is not ``n``.

    Lengths live on the host (the scheduler knows them), so grids need no device sync.
    """
    t = torch.as_tensor(values, dtype=torch.int64, device="cpu").reshape(-1)
    if t.numel() != n:
        raise ValueError(f"{name} has {t.numel()} entries, expected {n} (one per request)")
    return t


def check_nonnegative(name: str, t: torch.Tensor) -> None:
    """Raise if a host int tensor has a negative entry, naming the first one."""
    bad = (t < 0).nonzero()
    if bad.numel():
        i = int(bad[0, 0])
        raise ValueError(f"{name}[{i}] = {int(t[i])} is negative")
