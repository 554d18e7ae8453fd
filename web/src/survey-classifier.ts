/**
 * The portal embed of survey-classifier: one ES module that defines the
 * `<survey-classifier>` element and exports the plain JS API.
 *
 * @example
 * <script type="module" src="/assets/survey-classifier/survey-classifier.js"></script>
 * <survey-classifier backend="auto" passes="1"></survey-classifier>
 *
 * @example
 * import { classifyInBrowser } from '/assets/survey-classifier/survey-classifier.js'
 * const run = await classifyInBrowser({ input: file, onProgress: (p) => console.log(p.rowsDone) })
 */
import { SurveyClassifierElement } from './element.js'

export { SurveyClassifierElement, type CompleteEventDetail, type ErrorEventDetail, type EvaluateEventDetail, type ProgressEventDetail } from './element.js'
export { classifyInBrowser, convertOutput, evaluateOutput, defaultAssetsBase, type EvaluationResult, type BrowserProgress, type BrowserRun, type ClassifyInBrowserOptions, type ClassifyInput } from './classify.js'
export { ResultStore } from './results.js'
export { VirtualTable, ROW_HEIGHT } from './table.js'
export { THUMB_SIZE } from './thumbnails.js'
export type { DisplayColumn, OutputFormat, StartedMessage } from './protocol.js'

if (!customElements.get('survey-classifier')) customElements.define('survey-classifier', SurveyClassifierElement)
