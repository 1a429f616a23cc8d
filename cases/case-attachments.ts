import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { ok, type DomainError, type Result } from '../domain/result.ts';
import type { AttachmentType } from './attachment-type.ts';
import type { CaseStore } from './case-store.ts';
import type { Case } from './case.ts';

export interface Attachment {
  /** 32 hex characters of randomness: the file's name on disk too, never derived from anything the client sent. */
  id: string;
  name: string;
  type: AttachmentType;
  bytes: number;
  sha256: string;
  addedBy: string;
  addedAt: string;
}

const ID = /^[a-f0-9]{32}$/;

/**
 * A case's attachments: the files under `dir` (DATA_DIR/case-attachments), named by a random
 * id, each written whole (a temporary file renamed once the case took it); their description
 * beside the case in Redis, added with its timeline event in one script. A file the case
 * refused (closed meanwhile) is removed: nothing is half written.
 */
export function createAttachmentStore(options: { redis: Redis; cases: CaseStore; dir: string }) {
  const { redis, cases, dir } = options;
  const fileOf = (id: string) => path.join(dir, `${id}.bin`);

  return {
    async add(caseId: string, actor: string, file: { name: string; type: AttachmentType; content: Buffer }): Promise<Result<{ attachment: Attachment; case: Case }, DomainError>> {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const id = randomBytes(16).toString('hex');
      const attachment: Attachment = {
        id,
        name: file.name,
        type: file.type,
        bytes: file.content.length,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        addedBy: actor,
        addedAt: new Date().toISOString(),
      };
      const temporary = `${fileOf(id)}.partial`;
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(file.content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const taken = await cases.act(caseId, 'attach', actor, { note: JSON.stringify(attachment) }).catch((e: unknown) => {
        void rm(temporary, { force: true });
        throw e;
      });
      if (!taken.ok) {
        await rm(temporary, { force: true });
        return taken;
      }
      await rename(temporary, fileOf(id));
      return ok({ attachment, case: taken.value });
    },

    async list(caseId: string): Promise<Attachment[]> {
      const all = await redis.hvals(`case:${caseId}:attachments`);
      return all.map((a) => JSON.parse(a) as Attachment).sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    },

    /** The file of one of the case's attachments; undefined for an id the case does not have. */
    async read(caseId: string, id: string): Promise<{ attachment: Attachment; content: Buffer } | undefined> {
      if (!ID.test(id)) return undefined;
      const described = await redis.hget(`case:${caseId}:attachments`, id);
      if (!described) return undefined;
      const attachment = JSON.parse(described) as Attachment;
      const content = await readFile(fileOf(id)).catch(() => undefined);
      return content ? { attachment, content } : undefined;
    },
  };
}

export type AttachmentStore = ReturnType<typeof createAttachmentStore>;
