// Demo page glue: form fields set the element's attributes; events are listed.
const classifier = document.getElementById('classifier')
const form = document.getElementById('options')
const events = document.getElementById('events')

function sync() {
  for (const field of form.elements) {
    if (!field.name) continue
    if (field.value === '') classifier.removeAttribute(field.name)
    else classifier.setAttribute(field.name, field.value)
  }
}
form.addEventListener('change', sync)
form.addEventListener('submit', (e) => e.preventDefault())
sync()

let lastProgress = 0
function log(text) {
  const li = document.createElement('li')
  li.textContent = `${new Date().toISOString().slice(11, 19)} ${text}`
  events.append(li)
  events.scrollTop = events.scrollHeight
}
classifier.addEventListener('start', (e) => log(`start: ${e.detail.input} on ${e.detail.backend.backend}`))
classifier.addEventListener('progress', (e) => {
  const now = performance.now()
  if (now - lastProgress < 1000) return
  lastProgress = now
  log(`progress: ${e.detail.rowsDone} rows, ${e.detail.rowsPerSecond.toFixed(1)} rows/s on ${e.detail.backend}`)
})
classifier.addEventListener('complete', (e) => log(`complete: ${e.detail.rows} rows${e.detail.cancelled ? ' (cancelled)' : ''} on ${e.detail.backend}`))
classifier.addEventListener('error', (e) => log(`error: ${e.detail.message}`))
classifier.addEventListener('cancel', () => log('cancelled'))
