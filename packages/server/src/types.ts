/** An expert as listed by the server (KServe model metadata, /v1/models). */
export interface ExpertInfo {
  name: string;
  kind: string;
  modelId: string;
  weight: number;
}
