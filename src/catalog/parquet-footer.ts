/**
 * The Parquet footer kept compact while a file is written.
 *
 * hyparquet-writer keeps every row group's metadata as JS objects until the
 * file is finished (~900 bytes per column chunk: 43 KB per row group of the
 * model pipeline's 47 columns, whose 8 MiB row groups hold ~100 cutout rows),
 * then builds a second object tree of the whole footer to serialise it: memory
 * that grows with the catalog (~450 MB per million cutout rows, twice that
 * while closing). Here each row group's metadata is serialised as soon as the
 * group is written (~100 bytes per column chunk, exactly the bytes that go
 * into the footer) and the footer is streamed out of those bytes at the end.
 *
 * The thrift conversion stays hyparquet-writer's own: a row group's bytes are
 * cut out of `writeMetadata`'s output for a footer holding just that group.
 * Since a group's metadata holds the offsets of its page indexes (the offset
 * index of each multi-page chunk), those are written right after the group
 * instead of all together before the footer; readers find them by offset.
 */
import type { FileMetaData, KeyValue, RowGroup, SchemaElement } from 'hyparquet'
import { ByteWriter, type ParquetWriter } from 'hyparquet-writer'
import { writeBlooms } from 'hyparquet-writer/src/bloom.js'
import { writeIndexes } from 'hyparquet-writer/src/indexes.js'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import { SurveyError } from '../errors.js'

const PARQUET_MAGIC = 0x31524150 // "PAR1", little-endian
const THRIFT_STRUCT = 12

/** `writeMetadata`'s bytes (without the trailing length) for a footer with the given row groups. */
function metadataBytes(metadata: Omit<FileMetaData, 'metadata_length'>): Uint8Array {
  const scratch = new ByteWriter()
  writeMetadata(scratch, { ...metadata, metadata_length: 0 })
  return scratch.getBytes().slice(0, scratch.index - 4)
}

/**
 * Where the row-group list's header sits in a footer: the first byte at which the footer with no
 * row groups (`empty`) and the same footer with one row group (`one`) differ. Before it lie the
 * fields before `row_groups`; after the header, `empty` holds only the fields after it.
 */
function rowGroupListAt(empty: Uint8Array, one: Uint8Array): number {
  let at = 0
  while (at < empty.length && empty[at] === one[at]) at++
  // an empty list header is 0x00 (size 0, no element type); one struct is 0x1c
  if (empty[at] !== 0x00 || one[at] !== (1 << 4 | THRIFT_STRUCT)) {
    throw new SurveyError('output', `parquet writer: hyparquet-writer wrote a footer layout this writer does not know (byte ${at}: ${empty[at]} / ${one[at]})`)
  }
  return at
}

function appendListHeader(writer: ByteWriter, size: number): void {
  if (size > 14) {
    writer.appendUint8(15 << 4 | THRIFT_STRUCT)
    writer.appendVarInt(size)
  } else {
    writer.appendUint8(size << 4 | THRIFT_STRUCT)
  }
}

/** A footer that holds row-group metadata as thrift bytes; see the module comment. */
export class CompactFooter {
  private readonly groups: Uint8Array[] = []
  private emptyFooter: Uint8Array | undefined

  constructor(private readonly schema: SchemaElement[]) {}

  /**
   * Take the row groups `writer` has just written: write their page indexes and bloom filters
   * right after them (their offsets go into the metadata) and keep their metadata as bytes.
   */
  takeRowGroups(writer: ParquetWriter): void {
    const pending = writer.pendingIndexes.splice(0)
    writeIndexes(writer.writer, pending)
    writeBlooms(writer.writer, pending)
    for (const group of writer.row_groups.splice(0)) this.groups.push(this.rowGroupBytes(group))
  }

  private rowGroupBytes(group: RowGroup): Uint8Array {
    const base = { version: 2, schema: this.schema, num_rows: 0n }
    this.emptyFooter ??= metadataBytes({ ...base, row_groups: [] })
    const empty = this.emptyFooter
    const one = metadataBytes({ ...base, row_groups: [group] })
    const at = rowGroupListAt(empty, one)
    const after = empty.length - at - 1
    return one.slice(at + 1, one.length - after)
  }

  /** Write the footer (file metadata, its length, the closing magic) through `writer`, flushing as it goes. */
  async write(writer: ByteWriter & { flush(): Promise<void> }, numRows: bigint, keyValues: KeyValue[], createdBy: string): Promise<void> {
    const base = { version: 2, schema: this.schema, num_rows: numRows, key_value_metadata: keyValues, created_by: createdBy }
    const empty = metadataBytes({ ...base, row_groups: [] })
    const start = writer.offset
    if (this.groups.length === 0) {
      writer.appendBytes(empty)
    } else {
      const at = rowGroupListAt(empty, metadataBytes({ ...base, row_groups: [{ columns: [], total_byte_size: 0n, num_rows: 0n }] }))
      writer.appendBytes(empty.subarray(0, at))
      appendListHeader(writer, this.groups.length)
      for (const group of this.groups) {
        writer.appendBytes(group)
        if (writer.index >= 1 << 20) await writer.flush()
      }
      writer.appendBytes(empty.subarray(at + 1))
    }
    writer.appendUint32(writer.offset - start)
    writer.appendUint32(PARQUET_MAGIC)
    await writer.flush()
  }
}
