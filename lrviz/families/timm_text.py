"""What lrviz says about timm's schedules: a one-line summary of each class and of each
name ``create_scheduler_v2`` takes, an example call, and help for the parameters whose
docstrings timm leaves empty. Words only: :mod:`lrviz.families.timm` builds the entries.
"""

from __future__ import annotations

SUMMARIES = {
    "CosineLRScheduler": "Cosine decay to lr_min over t_initial, with warmup, restarts (cycle_mul, cycle_decay, "
    "cycle_limit), k-decay and noise.",
    "TanhLRScheduler": "Hyperbolic-tangent decay to lr_min over t_initial, with warmup, restarts and noise.",
    "StepLRScheduler": "Multiply the LR by decay_rate every decay_t, with warmup and noise.",
    "MultiStepLRScheduler": "Multiply the LR by decay_rate at each milestone of decay_t (one t before torch's "
    "MultiStepLR would), with warmup and noise.",
    "PlateauLRScheduler": "torch's ReduceLROnPlateau with warmup and noise: reduce the LR when a metric stops "
    "improving (deprecated by timm).",
    "PolyLRScheduler": "Polynomial decay to lr_min over t_initial, with warmup, restarts, k-decay and noise.",
    "WSDLRScheduler": "Warmup, a stable phase, then a decay to lr_min over the last decay_t of t_initial (WSD).",
}
SCHED_SUMMARIES = {
    "cosine": "Cosine decay",
    "tanh": "Tanh decay",
    "step": "A step decay every decay_epochs",
    "constant": "The optimizer's lr after an optional warmup",
    "multistep": "A decay at each of decay_milestones",
    "plateau": "Reductions when the metric stops improving",
    "poly": "Polynomial decay (the power is decay_rate)",
    "wsd": "Warmup, stable, then a decay over decay_epochs",
    "rsqrt": "Warmup, an inverse-square-root phase, then a linear cooldown",
}

EXAMPLES = {
    "CosineLRScheduler": "CosineLRScheduler(t_initial=100, warmup_t=5, warmup_lr_init=1e-05, lr_min=1e-06)",
    "TanhLRScheduler": "TanhLRScheduler(t_initial=100, warmup_t=5, warmup_lr_init=1e-05, lr_min=1e-06)",
    "StepLRScheduler": "StepLRScheduler(decay_t=30, decay_rate=0.1, warmup_t=5, warmup_lr_init=1e-05)",
    "MultiStepLRScheduler": (
        "MultiStepLRScheduler(decay_t=[30, 60, 80], decay_rate=0.1, warmup_t=5, warmup_lr_init=1e-05)"
    ),
    "PlateauLRScheduler": "PlateauLRScheduler(decay_rate=0.5, patience_t=5, mode='min')",
    "PolyLRScheduler": "PolyLRScheduler(t_initial=100, power=2.0, warmup_t=5, warmup_lr_init=1e-05)",
    "WSDLRScheduler": "WSDLRScheduler(t_initial=100, decay_t=20, warmup_t=5, warmup_lr_init=1e-05)",
    "cosine": "timm.cosine(num_epochs=100, warmup_epochs=5)",
    "tanh": "timm.tanh(num_epochs=100, warmup_epochs=5)",
    "step": "timm.step(num_epochs=100, decay_epochs=30, warmup_epochs=5)",
    "constant": "timm.constant(num_epochs=100, warmup_epochs=5)",
    "multistep": "timm.multistep(num_epochs=100, decay_milestones=[30, 60, 80], warmup_epochs=5)",
    "plateau": "timm.plateau(num_epochs=100, patience_epochs=5, plateau_mode='min')",
    "poly": "timm.poly(num_epochs=100, decay_rate=2.0, warmup_epochs=5)",
    "wsd": "timm.wsd(num_epochs=100, warmup_epochs=5)",
    "rsqrt": "timm.rsqrt(num_epochs=100, warmup_epochs=5)",
}

# Help for the parameters timm's docstrings leave undocumented (most classes have no Args:).
HELP = {
    "t_initial": "The length of the first cycle, in epochs (or updates with t_in_epochs=False).",
    "lr_min": "The LR at the end of each cycle, and after the last one.",
    "cycle_mul": "Each cycle lasts cycle_mul times as long as the one before (1: equal cycles).",
    "cycle_decay": "Each cycle starts at cycle_decay times the peak of the one before.",
    "cycle_limit": "How many cycles run; after them the LR stays at lr_min.",
    "warmup_t": "The length of the linear warmup from warmup_lr_init, in epochs (or updates).",
    "warmup_lr_init": "The LR at the start of the warmup.",
    "warmup_prefix": "True: the schedule starts when the warmup ends; False: the warmup replaces the "
    "schedule's first warmup_t, which keeps running underneath.",
    "t_in_epochs": "True: t counts epochs and the LR moves at step(epoch) after each epoch; False: t counts "
    "updates and the LR moves at step_update(num_updates) after each update.",
    "noise_range_t": "Where noise is added: from this t on, or a [start, end) pair; None for no noise.",
    "noise_type": "'normal' (resampled until within noise_pct), or anything else for uniform noise within ±noise_pct.",
    "noise_pct": "The largest noise, as a fraction of the LR.",
    "noise_std": "The standard deviation of normal noise, as a fraction of the LR.",
    "noise_seed": "The seed of the noise: time t draws from a torch.Generator seeded with noise_seed + t.",
    "k_decay": "k-decay: the curve runs on t**k / T**k instead of t / T (k > 1 keeps the LR high for longer).",
    "initialize": "True: each group's lr becomes its initial_lr, the schedule's base; False: the groups' "
    "initial_lr is used as it is (a resumed run; lrviz sets it to the group's lr).",
    "lb": "Where the tanh starts: the LR follows 1 - tanh(lb * (1 - t/T) + ub * t/T).",
    "ub": "Where the tanh ends.",
    "power": "The polynomial's power: (1 - t/T) ** power.",
    "patience_t": "Epochs without improvement before a reduction (ReduceLROnPlateau's patience).",
    "threshold": "The relative improvement that counts (ReduceLROnPlateau's threshold).",
    "cooldown_t": "Epochs after a reduction before waiting starts again (ReduceLROnPlateau's cooldown).",
    "mode": "'min' for a loss, 'max' for an accuracy (timm's default).",
}
CLASS_HELP = {
    ("StepLRScheduler", "decay_t"): "The interval of the decays, in epochs (or updates).",
    ("StepLRScheduler", "decay_rate"): "What the LR is multiplied by at each decay.",
    ("MultiStepLRScheduler", "decay_t"): "The milestones, in epochs (or updates): milestone m multiplies "
    "the LR by decay_rate from t = m - 1 on.",
    ("MultiStepLRScheduler", "decay_rate"): "What the LR is multiplied by at each milestone.",
    ("PlateauLRScheduler", "decay_rate"): "What the LR is multiplied by at each reduction "
    "(ReduceLROnPlateau's factor).",
    ("PlateauLRScheduler", "lr_min"): "The LR is never reduced below this (ReduceLROnPlateau's min_lr).",
    ("PlateauLRScheduler", "warmup_t"): "Epochs of linear warmup from warmup_lr_init; the metric is ignored "
    "until the warmup ends.",
}
# Kinds the annotations do not say: numbers or [start, end) pairs, and two-way strings.
