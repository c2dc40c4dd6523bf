/** A vLLM Deployment manifest as a GitOps repository would hold it (with a comment to keep). */
export const LLAMA_70B_MANIFEST = `# Llama 3 70B on vLLM, 4×H100 per replica (owned by the serving team)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama-3-70b
  namespace: llm-serving
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.11.0
          args:
            - --model=meta-llama/Meta-Llama-3-70B-Instruct
            - --tensor-parallel-size=4
            - --gpu-memory-utilization=0.85 # leaves room for the sidecar
            - --max-num-seqs=256
`;
