# ruff: noqa
# fmt: off
# Seed 004's script, the peer of benchmark 3 in bench/run.py: kept verbatim from
# ../shared/seeds/004_8a5d1ff166f62b39.txt (a tutorial on torch.optim.lr_scheduler.CyclicLR,
# where it is flattened on one line), except that the last line, plt.show(), is
# plt.savefig(PATH): PATH is the first command-line argument, else $SEED004_OUT, else
# seed004_cyclic.png. The two imports below are only for that path.
#
#     python bench/seed004_cyclic.py /tmp/seed004.png
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
plt.savefig(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SEED004_OUT", "seed004_cyclic.png"))
