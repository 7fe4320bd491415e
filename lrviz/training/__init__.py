"""Training runs: the schedule a training config builds (``--from FILE``) and the LR a run
logged, held against each other (``lrviz check``).

- :mod:`~lrviz.training.plan`: a :class:`~lrviz.training.plan.Plan` (a spec, its trace
  options, and when the training loop steps the scheduler) and the scheduler step each
  optimizer step sees
- :mod:`~lrviz.training.configs`: Hugging Face ``TrainingArguments`` and LightningCLI files
  to a plan, with the step counts computed as each framework computes them
- :mod:`~lrviz.training.timm_config`: timm's ``args.yaml`` to a plan, as timm's ``train.py``
  builds its scheduler and counts its loader's batches
- :mod:`~lrviz.training.logs`: the LR a run logged (``trainer_state.json``, Lightning's
  ``metrics.csv``, TensorBoard event files, timm's ``summary.csv``, any CSV or JSON)
- :mod:`~lrviz.training.check`: the log against the plan, and the classic mistakes each
  tested against the log
- :mod:`~lrviz.training.figure`: planned against logged, with the ratio and the first departure

Nothing here prints or exits; heavy libraries (torch, matplotlib, tensorboard) are imported
inside the functions that need them.
"""
