;; The CRLF form of stored bytes in one pass: every LF not preceded by CR gains a CR; all other bytes, a bare CR
;; included, are copied unchanged. Source of crlf-kernel-wasm.ts (scripts/build-crlf-kernel.mjs).
;;
;; 16-byte blocks are compared against LF with SIMD: a block without LF is copied with one store, and only bare LFs
;; are handled one at a time. The caller lays out the memory; see the slack rules on `convert`.
(module
  (memory (export "memory") 1)

  ;; Converts n bytes at src into dst and returns the output length (n plus the number of bare LFs, so at most 2n).
  ;; prev_cr (0 or 1) tells whether the byte before src, in an earlier chunk, was CR.
  ;; Slack: it may read up to 15 bytes past src + n and write up to 15 bytes past dst + 2n (what it writes there is
  ;; meaningless); the two regions, slack included, must not overlap.
  (func (export "convert") (param $src i32) (param $n i32) (param $dst i32) (param $prev_cr i32) (result i32)
    (local $i i32)
    (local $o i32)
    (local $v v128)
    (local $bare i32)
    (local $p i32)
    (local $prev i32)
    (local $b i32)

    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (local.set $v (v128.load align=1 (i32.add (local.get $src) (local.get $i))))
        (v128.store align=1 (i32.add (local.get $dst) (local.get $o)) (local.get $v))
        (local.set $bare (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x0a)))))
        (if (local.get $bare)
          (then
            ;; A LF is bare unless the byte before it is CR: shift the CR mask by one, the byte before the
            ;; block entering at bit 0.
            (local.set $prev
              (if (result i32) (local.get $i)
                (then (i32.eq (i32.load8_u (i32.sub (i32.add (local.get $src) (local.get $i)) (i32.const 1)))
                              (i32.const 0x0d)))
                (else (local.get $prev_cr))))
            (local.set $bare
              (i32.and (local.get $bare)
                (i32.xor (i32.const -1)
                  (i32.or (local.get $prev)
                    (i32.shl (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x0d))))
                             (i32.const 1))))))
            ;; For each bare LF at block offset p: CR at its output place, then the input from the LF on,
            ;; one place further. $o grows by one per CR, so o + p is where the LF's CR goes.
            (block $lfs_done
              (loop $lfs
                (br_if $lfs_done (i32.eqz (local.get $bare)))
                (local.set $p (i32.ctz (local.get $bare)))
                (i32.store8 (i32.add (i32.add (local.get $dst) (local.get $o)) (local.get $p)) (i32.const 0x0d))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (v128.store align=1
                  (i32.add (i32.add (local.get $dst) (local.get $o)) (local.get $p))
                  (v128.load align=1 (i32.add (i32.add (local.get $src) (local.get $i)) (local.get $p))))
                (local.set $bare (i32.and (local.get $bare) (i32.sub (local.get $bare) (i32.const 1))))
                (br $lfs)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $blocks)))

    ;; The last n mod 16 bytes, one at a time.
    (local.set $prev
      (if (result i32) (local.get $i)
        (then (i32.eq (i32.load8_u (i32.sub (i32.add (local.get $src) (local.get $i)) (i32.const 1))) (i32.const 0x0d)))
        (else (local.get $prev_cr))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (if (i32.and (i32.eq (local.get $b) (i32.const 0x0a)) (i32.eqz (local.get $prev)))
          (then
            (i32.store8 (i32.add (local.get $dst) (local.get $o)) (i32.const 0x0d))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))))
        (i32.store8 (i32.add (local.get $dst) (local.get $o)) (local.get $b))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $prev (i32.eq (local.get $b) (i32.const 0x0d)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (local.get $o)))
