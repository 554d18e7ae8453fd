/**
 * `<survey-classifier>`: a custom element a portal adds with one module
 * script. The visitor drops or picks a Parquet/Arrow catalog, gives a URL, or
 * classifies the built-in simulated sample; the element shows progress, a
 * virtualised results table with cutout thumbnails, plots and downloads.
 */
import type { BackendRequest } from '../../src/protocol.js'
import type { RunSummary } from '../../src/annotate.js'
import { SurveyError, isSurveyError } from '../../src/errors.js'
import { classifyInBrowser, type BrowserProgress, type BrowserRun, type ClassifyInput } from './classify.js'
import { resultPlots } from './plots.js'
import type { OutputFormat, StartedMessage } from './protocol.js'
import type { ResultStore } from './results.js'
import { renderReportSections } from '../../src/evaluate/report-html.js'
import type { EvaluationReport } from '../../src/evaluate/report.js'
import { ELEMENT_CSS } from './styles.js'
import { VirtualTable } from './table.js'

/** `detail` of the `progress` event. */
export interface ProgressEventDetail extends BrowserProgress {}

/** `detail` of the `complete` event. */
export interface CompleteEventDetail {
  readonly summary: RunSummary
  readonly input: string
  readonly rows: number
  readonly cancelled: boolean
  readonly backend: string
  readonly adapter: string | undefined
}

/** `detail` of the `error` event. */
/** Detail of the `evaluate` event: the run's output evaluated against its truth columns. */
export interface EvaluateEventDetail {
  readonly report: EvaluationReport
}

/** Detail of the `error` and `cancel` events. */
export interface ErrorEventDetail {
  readonly message: string
  /** 'input' | 'model' | 'backend' | 'worker' | 'output' | 'option' | 'cancelled'. */
  readonly code: string
}

const BACKENDS: readonly BackendRequest[] = ['auto', 'webgpu', 'wasm', 'cpu']
const FORMATS: Readonly<Record<OutputFormat, { ext: string; label: string }>> = {
  parquet: { ext: 'parquet', label: 'Parquet' },
  arrow: { ext: 'arrows', label: 'Arrow' },
  csv: { ext: 'csv', label: 'CSV' },
}

let sheet: CSSStyleSheet | undefined

function formatSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '—'
  const t = Math.round(s)
  const h = Math.floor(t / 3600)
  const m = Math.floor((t % 3600) / 60)
  const sec = String(t % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

function positiveInt(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? n : undefined
}

/** Throw an `option` error for an attribute that is set but invalid (instead of silently using a default). */
function checkAttributes(el: HTMLElement): void {
  for (const name of ['passes', 'batch-size', 'workers', 'sample-size']) {
    const value = el.getAttribute(name)
    if (value !== null && value.trim() !== '' && positiveInt(value) === undefined) {
      throw new SurveyError('option', `survey-classifier: attribute ${name} must be a positive integer, got "${value}"`)
    }
  }
  const backend = el.getAttribute('backend')
  if (backend !== null && backend !== '' && !BACKENDS.includes(backend as BackendRequest)) {
    throw new SurveyError('option', `survey-classifier: attribute backend must be ${BACKENDS.join(', ')}, got "${backend}"`)
  }
}

/**
 * The `<survey-classifier>` element.
 *
 * Attributes (and camelCase properties): `models` (pipeline name or
 * 'trivial'; default 'default'), `passes`, `batch-size`, `backend`
 * (auto|webgpu|wasm|cpu; default auto), `workers` (default
 * navigator.hardwareConcurrency), `assets-base` (default: the folder of the
 * script), `worker-base` (default assets-base), `sample-size` (default 256),
 * `drop-cutouts`. Events (bubbling, composed CustomEvents): `start`,
 * `progress`, `complete`, `error`, `cancel`.
 */
export class SurveyClassifierElement extends HTMLElement {
  private readonly root: ShadowRoot
  private readonly ui: {
    drop: HTMLDivElement; file: HTMLInputElement; pick: HTMLButtonElement; urlForm: HTMLFormElement; url: HTMLInputElement
    sample: HTMLButtonElement; cancel: HTMLButtonElement; status: HTMLDivElement; bar: HTMLProgressElement; message: HTMLDivElement
    note: HTMLDivElement; results: HTMLDivElement; downloads: HTMLDivElement; plots: HTMLDivElement; tableHolder: HTMLDivElement
    evaluation: HTMLDivElement
  }
  /** The evaluation of the last run against the catalog's truth columns, when it had any. */
  evaluation: EvaluationReport | undefined
  private controller: AbortController | undefined
  private run: BrowserRun | undefined
  private store: ResultStore | undefined
  private table: VirtualTable | undefined
  private plotTimer: ReturnType<typeof setTimeout> | undefined
  private inputName = 'catalog'

  constructor() {
    super()
    this.root = this.attachShadow({ mode: 'open' })
    sheet ??= (() => {
      const s = new CSSStyleSheet()
      s.replaceSync(ELEMENT_CSS)
      return s
    })()
    this.root.adoptedStyleSheets = [sheet]
    const h = <K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text = ''): HTMLElementTagNameMap[K] => {
      const e = document.createElement(tag)
      if (cls) e.className = cls
      if (text) e.textContent = text
      return e
    }
    const wrap = h('div', 'sc')
    wrap.setAttribute('part', 'container')
    const inputs = h('div', 'inputs')
    const drop = h('div', 'drop')
    drop.tabIndex = 0
    drop.setAttribute('part', 'drop')
    const file = h('input')
    file.type = 'file'
    file.accept = '.parquet,.pq,.arrow,.arrows,.ipc,.feather'
    file.hidden = true
    const pick = h('button', 'pick', 'choose a file')
    pick.type = 'button'
    drop.append('Drop a Parquet or Arrow catalog here, or ', pick, file)
    const urlForm = h('form', 'url')
    // relative URLs (same site) are fine: resolved against the page
    urlForm.noValidate = true
    const url = h('input')
    url.type = 'url'
    url.placeholder = 'https://…/catalog.parquet'
    url.setAttribute('aria-label', 'catalog URL')
    const go = h('button', '', 'Classify URL')
    go.type = 'submit'
    urlForm.append(url, go)
    const sample = h('button', 'sample primary')
    sample.type = 'button'
    const cancel = h('button', 'cancel', 'Cancel')
    cancel.type = 'button'
    cancel.disabled = true
    inputs.append(drop, urlForm, sample, cancel)
    const status = h('div', 'status')
    status.setAttribute('role', 'status')
    status.setAttribute('aria-live', 'polite')
    const bar = h('progress')
    bar.max = 1
    bar.value = 0
    bar.hidden = true
    const message = h('div', 'message')
    message.setAttribute('role', 'alert')
    message.hidden = true
    const note = h('div', 'note')
    note.hidden = true
    const results = h('div', 'results')
    results.hidden = true
    const downloads = h('div', 'downloads')
    downloads.append('Download the annotated catalog: ')
    for (const [format, { label }] of Object.entries(FORMATS)) {
      const b = h('button', `download ${format}`, label)
      b.type = 'button'
      b.dataset['format'] = format
      b.addEventListener('click', () => void this.saveDownload(format as OutputFormat))
      downloads.append(b)
    }
    const plots = h('div', 'plots')
    const tableHolder = h('div', 'table-holder')
    const evaluation = h('div', 'evaluation')
    evaluation.hidden = true
    results.append(downloads, plots, tableHolder, evaluation)
    wrap.append(inputs, status, bar, message, note, results)
    this.root.append(wrap)
    this.ui = { drop, file, pick, urlForm, url, sample, cancel, status, bar, message, note, results, downloads, plots, tableHolder, evaluation }

    pick.addEventListener('click', () => file.click())
    file.addEventListener('change', () => {
      const f = file.files?.[0]
      if (f) void this.classify(f)
      file.value = ''
    })
    drop.addEventListener('dragover', (e) => {
      e.preventDefault()
      drop.classList.add('over')
    })
    drop.addEventListener('dragleave', () => drop.classList.remove('over'))
    drop.addEventListener('drop', (e) => {
      e.preventDefault()
      drop.classList.remove('over')
      const f = e.dataTransfer?.files[0]
      if (f) void this.classify(f)
    })
    drop.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') file.click()
    })
    urlForm.addEventListener('submit', (e) => {
      e.preventDefault()
      if (url.value.trim()) void this.classify(url.value.trim())
    })
    sample.addEventListener('click', () => void this.classify({ sample: this.sampleSize }))
    cancel.addEventListener('click', () => this.cancel())
    this.updateSampleLabel()
  }

  static get observedAttributes(): string[] {
    return ['sample-size']
  }

  /** Removing the element from the page cancels its run. */
  disconnectedCallback(): void {
    this.cancel()
  }

  attributeChangedCallback(): void {
    this.updateSampleLabel()
  }

  private updateSampleLabel(): void {
    this.ui.sample.textContent = `Classify the simulated sample (${this.sampleSize.toLocaleString('en')} rows)`
  }

  /** Pipeline name (see pipelines/registry.ts) or 'trivial'. */
  get models(): string { return this.getAttribute('models') || 'default' }
  set models(v: string) { this.setAttribute('models', v) }
  /** MC-dropout passes; undefined = the pipeline's default. */
  get passes(): number | undefined { return positiveInt(this.getAttribute('passes')) }
  set passes(v: number | undefined) { this.setOrRemove('passes', v) }
  /** Rows per batch; undefined = the pipeline's default. */
  get batchSize(): number | undefined { return positiveInt(this.getAttribute('batch-size')) }
  set batchSize(v: number | undefined) { this.setOrRemove('batch-size', v) }
  /** auto | webgpu | wasm | cpu. */
  get backend(): BackendRequest {
    const v = (this.getAttribute('backend') || 'auto') as BackendRequest
    return BACKENDS.includes(v) ? v : 'auto'
  }
  set backend(v: BackendRequest) { this.setAttribute('backend', v) }
  /** Inference workers; default navigator.hardwareConcurrency. */
  get workers(): number { return positiveInt(this.getAttribute('workers')) ?? Math.max(1, navigator.hardwareConcurrency || 1) }
  set workers(v: number | undefined) { this.setOrRemove('workers', v) }
  /** Base URL of models and wasm files (relative to the page); default: the script's folder. */
  get assetsBase(): string | undefined { return this.getAttribute('assets-base') ?? undefined }
  set assetsBase(v: string | undefined) { this.setOrRemove('assets-base', v) }
  /** Base URL of the worker scripts (the page's origin); default assets-base. */
  get workerBase(): string | undefined { return this.getAttribute('worker-base') ?? undefined }
  set workerBase(v: string | undefined) { this.setOrRemove('worker-base', v) }
  /** Rows of the simulated sample; default 256. */
  get sampleSize(): number { return positiveInt(this.getAttribute('sample-size')) ?? 256 }
  set sampleSize(v: number) { this.setOrRemove('sample-size', v) }
  /** Leave the cutouts out of the output (no thumbnails); default false. */
  get dropCutouts(): boolean { return this.hasAttribute('drop-cutouts') }
  set dropCutouts(v: boolean) { this.toggleAttribute('drop-cutouts', v) }

  /** The results of the current or last run (columnar), if any. */
  get results(): ResultStore | undefined { return this.store }
  /** The last finished run (summary, Parquet output, downloads). */
  get lastRun(): BrowserRun | undefined { return this.run }
  /** True while a run is in progress. */
  get running(): boolean { return this.controller !== undefined }
  /** The table widget of the current run (for tests: `domRows`, `scrollToRow`). */
  get tableView(): VirtualTable | undefined { return this.table }

  private setOrRemove(name: string, v: string | number | undefined): void {
    if (v === undefined || v === '') this.removeAttribute(name)
    else this.setAttribute(name, String(v))
  }

  private emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }

  private showMessage(text: string, kind: 'error' | 'info'): void {
    this.ui.message.textContent = text
    this.ui.message.classList.toggle('error', kind === 'error')
    this.ui.message.hidden = false
  }

  /** Stop the current run; the rows done so far stay in the table and the downloads. */
  cancel(): void {
    this.controller?.abort()
  }

  /**
   * Classify a File/Blob, a URL (read with range requests) or the simulated
   * sample (`{ sample: n }`). A run already in progress is cancelled first.
   * Resolves with the run, or undefined when it failed (the message is shown
   * and an `error` event fired) or was cancelled before any row.
   */
  async classify(input: ClassifyInput): Promise<BrowserRun | undefined> {
    if (this.controller) {
      this.controller.abort()
      await new Promise((r) => setTimeout(r, 0))
    }
    const controller = new AbortController()
    this.controller = controller
    this.run = undefined
    this.store = undefined
    this.table = undefined
    this.inputName = input instanceof Blob ? ((input as { name?: string }).name || 'catalog') : typeof input === 'string' || input instanceof URL ? new URL(input, document.baseURI).pathname.split('/').pop() || 'catalog' : 'sample'
    const ui = this.ui
    ui.message.hidden = true
    ui.note.hidden = true
    ui.results.hidden = true
    ui.plots.replaceChildren()
    ui.tableHolder.replaceChildren()
    ui.evaluation.replaceChildren()
    ui.evaluation.hidden = true
    this.evaluation = undefined
    ui.cancel.disabled = false
    ui.bar.hidden = false
    ui.bar.removeAttribute('value')
    ui.status.textContent = 'starting workers and loading models…'
    let started: StartedMessage | undefined
    try {
      checkAttributes(this)
      const run = await classifyInBrowser({
        input,
        models: this.models,
        backend: this.backend,
        workers: this.workers,
        dropCutouts: this.dropCutouts,
        signal: controller.signal,
        ...(this.passes !== undefined ? { passes: this.passes } : {}),
        ...(this.batchSize !== undefined ? { batchSize: this.batchSize } : {}),
        ...(this.assetsBase !== undefined ? { assetsBase: new URL(this.assetsBase, document.baseURI) } : {}),
        ...(this.workerBase !== undefined ? { workerBase: new URL(this.workerBase, document.baseURI) } : {}),
        onStart: (info, store) => {
          if (this.controller !== controller) return
          started = info
          this.store = store
          this.table = new VirtualTable(store)
          ui.tableHolder.replaceChildren(this.table.element)
          ui.results.hidden = false
          ui.downloads.hidden = true
          const adapter = info.backend.adapter ? ` (${info.backend.adapter})` : ''
          ui.status.textContent = `classifying ${info.input} on ${info.backend.backend}${adapter} with ${info.workers} worker(s)…`
          if (info.untrained) {
            ui.note.textContent = 'Note: the models used are UNTRAINED (seeded weights); their outputs exercise the pipeline and are not science.'
            ui.note.hidden = false
          }
          this.emit('start', info)
        },
        onRows: () => {
          if (this.controller !== controller) return
          this.table?.schedule()
          this.schedulePlots()
        },
        onProgress: (p) => {
          if (this.controller !== controller) return
          const total = p.totalRows !== undefined ? ` / ${p.totalRows.toLocaleString('en')}` : ''
          const adapter = p.adapter ? ` (${p.adapter})` : ''
          ui.status.textContent = `${p.rowsDone.toLocaleString('en')}${total} rows · ${p.rowsPerSecond.toFixed(1)} rows/s · ETA ${formatSeconds(p.etaSeconds)} · ${p.backend}${adapter}, ${p.workers} worker(s)`
          if (p.totalRows) ui.bar.value = p.rowsDone / p.totalRows
          this.emit('progress', p satisfies ProgressEventDetail)
        },
      })
      if (this.controller !== controller) return run
      this.run = run
      this.renderPlots()
      this.tableView?.render()
      const s = run.summary
      const adapter = s.backend.adapter ? ` (${s.backend.adapter})` : ''
      ui.status.textContent = `${s.cancelled ? 'cancelled after' : 'done:'} ${s.rowsDone.toLocaleString('en')} rows in ${s.elapsedSeconds.toFixed(1)} s (${s.rowsPerSecond.toFixed(1)} rows/s) on ${s.backend.backend}${adapter}, ${s.workers} worker(s); ${s.rowsFailed} row(s) not ok`
      ui.bar.value = 1
      ui.downloads.hidden = false
      if (s.cancelled) this.showMessage(`Cancelled: the ${s.rowsDone.toLocaleString('en')} rows done so far are shown and can be downloaded.`, 'info')
      this.emit('complete', { summary: s, input: run.started.input, rows: s.rowsDone, cancelled: s.cancelled, backend: s.backend.backend, adapter: s.backend.adapter } satisfies CompleteEventDetail)
      if (!s.cancelled && s.rowsDone > 0 && s.rowsOk === 0) {
        const detail = this.firstFailure()
        const text = `none of the ${s.rowsDone.toLocaleString('en')} rows of ${run.started.input} could be classified${detail ? `: ${detail}` : ''}`
        this.showMessage(text, 'error')
        this.emit('error', { message: text, code: 'input' } satisfies ErrorEventDetail)
      }
      if (!s.cancelled && s.rowsOk > 0) void this.showEvaluation(run)
      return run
    } catch (error) {
      if (this.controller !== controller) return undefined
      const message = error instanceof Error ? error.message : String(error)
      const code = isSurveyError(error) ? error.code : 'internal'
      ui.bar.hidden = true
      if (code === 'cancelled') {
        ui.status.textContent = started ? 'cancelled' : 'cancelled before any row was classified'
        this.showMessage('Cancelled.', 'info')
        this.emit('cancel', { message, code } satisfies ErrorEventDetail)
      } else {
        ui.status.textContent = 'failed'
        this.showMessage(message, 'error')
        this.emit('error', { message, code } satisfies ErrorEventDetail)
      }
      return undefined
    } finally {
      if (this.controller === controller) {
        this.controller = undefined
        ui.cancel.disabled = true
      }
    }
  }

  private firstFailure(): string | undefined {
    const store = this.store
    if (!store) return undefined
    for (let r = 0; r < Math.min(store.rows, 1000); r++) {
      const status = store.value('status', r)
      if (status !== 'ok' && status !== null) return `row ${r + 1} is ${status}`
    }
    return undefined
  }

  /**
   * Evaluates the finished output against its truth columns (in a worker) and shows the same
   * metrics and plots as `survey-classify evaluate --html`; a catalog without truth columns shows
   * nothing. Fires `evaluate` with the report.
   */
  private async showEvaluation(run: BrowserRun): Promise<void> {
    try {
      const result = await run.evaluate()
      if (this.run !== run || !result.report) return
      const report = result.report
      const parsed = new DOMParser().parseFromString(`<!doctype html><body>${renderReportSections(report)}</body>`, 'text/html')
      const title = document.createElement('h3')
      title.className = 'evaluation-title'
      title.textContent = `Evaluation against the catalog's truth columns (${report.rows.ok.toLocaleString('en')} rows with status ok)`
      this.ui.evaluation.replaceChildren(title, ...Array.from(parsed.body.childNodes, (node) => document.importNode(node, true)))
      this.ui.evaluation.hidden = false
      this.evaluation = report
      this.emit('evaluate', { report } satisfies EvaluateEventDetail)
    } catch (error) {
      if (this.run !== run) return
      const message = `evaluation failed: ${error instanceof Error ? error.message : String(error)}`
      this.showMessage(message, 'error')
      this.emit('error', { message, code: isSurveyError(error) ? error.code : 'output' } satisfies ErrorEventDetail)
    }
  }

  private schedulePlots(): void {
    if (this.plotTimer !== undefined) return
    this.plotTimer = setTimeout(() => {
      this.plotTimer = undefined
      this.renderPlots()
    }, 500)
  }

  private renderPlots(): void {
    if (this.store) this.ui.plots.replaceChildren(...resultPlots(document, this.store))
  }

  /** The annotated catalog of the last run in a format; errors reject (and are shown). */
  async download(format: OutputFormat): Promise<Blob> {
    if (!this.run) throw new Error('survey-classifier: nothing to download yet (no finished run)')
    return this.run.download(format)
  }

  private async saveDownload(format: OutputFormat): Promise<void> {
    try {
      const blob = await this.download(format)
      const a = document.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = `${this.inputName.replace(/\.[^.]+$/, '')}-annotated.${FORMATS[format].ext}`
      a.click()
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      this.showMessage(message, 'error')
      this.emit('error', { message, code: isSurveyError(error) ? error.code : 'output' } satisfies ErrorEventDetail)
    }
  }
}
