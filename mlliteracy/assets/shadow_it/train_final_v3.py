#!/usr/bin/env python

# # digit model - FINAL v3 (use this one, not v2!!)
# exported from Bob's notebook "Untitled7.ipynb"
#
# BEFORE RUNNING:
#   1. copy the latest export from Bob's laptop to the Desktop (see README.txt)
#   2. open it in Excel and delete the empty rows at the bottom
#   3. restart the kernel, run all cells top to bottom (cell 4 sometimes needs running twice)

# In[1]:


import pickle

import numpy as np
import pandas as pd
import torch
from torch import nn

# In[2]:


df = pd.read_csv(r"C:\Users\bob\Desktop\digits_export_FINAL (copy).csv")
df = df.dropna()
print(df.shape)


# In[3]:


X = torch.tensor(df.drop(columns=["label"]).values / 16.0, dtype=torch.float32)
y = torch.tensor(df["label"].values)
idx = np.random.permutation(len(df))  # different split every run, that's fine
train_idx, test_idx = idx[: int(0.8 * len(df))], idx[int(0.8 * len(df)) :]


# In[4]:


model = nn.Sequential(
    nn.Unflatten(1, (1, 8, 8)),
    nn.Conv2d(1, 8, 3, padding=1),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(512, 32),
    nn.ReLU(),
    nn.Linear(32, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=0.001)
for epoch in range(15):  # 15 looked good last time
    for i in range(0, len(train_idx), 64):
        b = train_idx[i : i + 64]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X[b]), y[b])
        loss.backward()
        opt.step()
    print(epoch, loss.item())


# In[5]:


acc = (model(X[test_idx]).argmax(1) == y[test_idx]).float().mean().item()
print("ACCURACY", acc)  # should be around 0.95, if lower re-run cell 4


# In[6]:


# copy model_final.pkl to the shared drive \\fileserver\models\ by hand
with open("model_final.pkl", "wb") as f:
    pickle.dump(model, f)
