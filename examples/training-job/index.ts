/**
 * A small training workload on the GPU training cluster: one PyTorch job that trains a tiny
 * classifier on synthetic data on one GPU, submitted through the team's Kueue queue.
 *
 * The cluster stack (`GpuTrainingCluster`) created the team namespace (`team`, e.g. "research" in
 * every shipped stack) with its LocalQueue `training` and ServiceAccount `training`; this program
 * only submits the job. Point it at the cluster with `pulumi config set kubeContext <context>` (or
 * `kubeconfig`, as a secret). See README.md for the run steps.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { existingClusterHandle, TrainingJob } from "pulumi-mlops";

/**
 * PyTorch 2.11.0 with CUDA 12.8 and cuDNN 9, runtime variant (no compiler toolchain), from the
 * official pytorch/pytorch repository on Docker Hub. CUDA 12.8 runs on the 570+ drivers of the EKS
 * AL2023 NVIDIA AMI and of GKE's managed drivers. Pin a digest for production runs.
 */
const PYTORCH_IMAGE = "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime";

/**
 * The training script: a two-layer MLP on synthetic data, a few hundred steps, checks that a GPU
 * is visible and that the loss goes down. Writes nothing but logs (the root filesystem is read-only;
 * /tmp is the scratch volume).
 */
const TRAIN_SCRIPT = `
import torch, torch.nn as nn
assert torch.cuda.is_available(), "no GPU visible: check the nvidia.com/gpu request and the device plugin"
dev = torch.device("cuda")
print("GPU:", torch.cuda.get_device_name(0), "torch", torch.__version__, flush=True)
torch.manual_seed(0)
x = torch.randn(4096, 32, device=dev)
y = (x[:, :8].sum(dim=1) > 0).long()
model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 2)).to(dev)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
first = None
for step in range(300):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    first = first if first is not None else loss.item()
    if step % 50 == 0:
        print(f"step {step} loss {loss.item():.4f}", flush=True)
acc = (model(x).argmax(dim=1) == y).float().mean().item()
print(f"final loss {loss.item():.4f} (from {first:.4f}), accuracy {acc:.3f}", flush=True)
assert loss.item() < first, "loss did not decrease"
`;

const config = new pulumi.Config();
// The team whose namespace and Kueue queue the job runs in (a team of the cluster stack).
const team = config.require("team");
// A new name per run: a finished Job is deleted after ttlSecondsAfterFinished (see README.md).
const runName = config.require("runName");
// dev | staging | prod: the governance label (and the policy pack's enforcement levels offline).
const environment = config.get("environment") ?? "dev";
if (environment !== "dev" && environment !== "staging" && environment !== "prod") {
  throw new Error(`training-job-example:environment must be dev, staging or prod, not "${environment}"`);
}
const kubeconfig = config.getSecret("kubeconfig");
const kubeContext = config.get("kubeContext");
// The cluster as a ClusterHandle. This program did not create it (the cluster stack did), so it
// builds one from a kubeconfig: target "local" is "any cluster from a kubeconfig" (a job has no
// cloud backing services), and no GPU pools are listed (the cluster's nodes carry the labels).
const cluster = existingClusterHandle({
  provider: new k8s.Provider("cluster", {
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    context: kubeContext,
    enableServerSideApply: true,
  }),
  target: "local",
  clusterName: kubeContext ?? "current-context",
  environment,
});

const run = new TrainingJob(runName, {
  cluster,
  namespace: team,
  image: PYTORCH_IMAGE,
  command: ["python", "-c", TRAIN_SCRIPT],
  gpus: 1,
  gpuType: "nvidia-l4",
  cpu: "4",
  memory: "16Gi",
  shmSize: "2Gi",
  backoffLimit: 1,
  ttlSecondsAfterFinished: 3600,
  activeDeadlineSeconds: 1800,
  // Governance labels (the policy pack requires owner, cost-center, environment, data-classification).
  labels: {
    "mlops.pulumi.com/experiment": "mlp-smoke",
    owner: team,
    "cost-center": config.get("costCenter") ?? "ml-research",
    environment,
    "data-classification": "internal",
  },
});

export const jobName = run.jobName;
export const namespace = run.namespace;
export const queue = run.queueName;
