// Manifest lines for the dataset and training tests.

/** A SageMaker multi-label output line: class ids, class-map, confidence-map. */
export function multiLine(ref: string, ids: unknown, classMap: Record<string, string> = { 0: 'person', 1: 'bicycle', 8: 'clothing' }) {
  return JSON.stringify({
    'source-ref': ref, 'image-label': ids,
    'image-label-metadata': {
      'job-name': 'labeling-job/image-label', 'class-map': classMap, 'human-annotated': 'yes', 'creation-date': '2020-02-27T21:36:25.000201',
      'confidence-map': Object.fromEntries(Object.keys(classMap).map((k) => [k, 0.9])), type: 'groundtruth/image-classification-multilabel',
    },
  });
}
