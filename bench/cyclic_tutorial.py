# ruff: noqa
# fmt: off
# The script of the tutorial "Understand torch.optim.lr_scheduler.CyclicLR() with Examples"
# (Tutorial Example, tutorialexample.com), the peer of benchmark 3 in bench/run.py: kept
# verbatim, except that the last line, plt.show(), is
# plt.savefig(PATH): PATH is the first command-line argument, else $CYCLIC_TUTORIAL_OUT, else
# cyclic_tutorial.png. The two imports below are only for that path.
#
#     python bench/cyclic_tutorial.py /tmp/cyclic_tutorial.png
import os
import sys

import torch
from matplotlib import pyplot as plt
lr_list = []
model = [torch.nn.Parameter(torch.randn(2, 2, requires_grad=True))]
LR = 0.001
optimizer = torch.optim.Adam(model, lr=LR)
max_lr = 1e-3
min_lr = max_lr / 4
scheduler = torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=min_lr, max_lr=max_lr, cycle_momentum = False, mode='triangular2', step_size_up=17000*6)
for epoch in range(1,80):
    data_size = 17000
    for i in range(data_size):
        optimizer.zero_grad()
        #loss
        optimizer.step()
        lr_list.append(optimizer.state_dict()['param_groups'][0]['lr'])
        scheduler.step()
plt.plot(range(len(lr_list)),lr_list,color = 'r')
plt.savefig(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CYCLIC_TUTORIAL_OUT", "cyclic_tutorial.png"))
