;; SHA-512 (FIPS 180-4) of one message in linear memory, for SHA512-CRYPT's rounds loop, which hashes thousands of
;; short messages per password. For such short messages the cost of a node:crypto call dominates; this core, called
;; straight from the loop, takes a fraction of it.
;;
;; Memory (one 64 KiB page), byte offsets:
;;      0 ..  640  K, the 80 round constants, as little-endian i64 (data segment)
;;    640 .. 1280  W, the message schedule of the current block
;;   1280 .. 1344  the initial hash value H(0) (data segment)
;;   1344 .. 1408  "output": where the caller usually has the digest written
;;   1408 ..       "input": where the caller usually puts the message. digest() pads it in place, so the caller must
;;                 leave 144 bytes after it free; a message that does not fit traps instead of writing elsewhere.
;;
;; Compile with scripts/build-wasm.mjs, which also rewrites sha512-wasm.ts.
(module
  (memory (export "memory") 1)
  (global (export "output") i32 (i32.const 1344))
  (global (export "input") i32 (i32.const 1408))
  (data (i32.const 0)
    "\22\ae\28\d7\98\2f\8a\42\cd\65\ef\23\91\44\37\71"  ;; 428a2f98d728ae22 7137449123ef65cd
    "\2f\3b\4d\ec\cf\fb\c0\b5\bc\db\89\81\a5\db\b5\e9"  ;; b5c0fbcfec4d3b2f e9b5dba58189dbbc
    "\38\b5\48\f3\5b\c2\56\39\19\d0\05\b6\f1\11\f1\59"  ;; 3956c25bf348b538 59f111f1b605d019
    "\9b\4f\19\af\a4\82\3f\92\18\81\6d\da\d5\5e\1c\ab"  ;; 923f82a4af194f9b ab1c5ed5da6d8118
    "\42\02\03\a3\98\aa\07\d8\be\6f\70\45\01\5b\83\12"  ;; d807aa98a3030242 12835b0145706fbe
    "\8c\b2\e4\4e\be\85\31\24\e2\b4\ff\d5\c3\7d\0c\55"  ;; 243185be4ee4b28c 550c7dc3d5ffb4e2
    "\6f\89\7b\f2\74\5d\be\72\b1\96\16\3b\fe\b1\de\80"  ;; 72be5d74f27b896f 80deb1fe3b1696b1
    "\35\12\c7\25\a7\06\dc\9b\94\26\69\cf\74\f1\9b\c1"  ;; 9bdc06a725c71235 c19bf174cf692694
    "\d2\4a\f1\9e\c1\69\9b\e4\e3\25\4f\38\86\47\be\ef"  ;; e49b69c19ef14ad2 efbe4786384f25e3
    "\b5\d5\8c\8b\c6\9d\c1\0f\65\9c\ac\77\cc\a1\0c\24"  ;; 0fc19dc68b8cd5b5 240ca1cc77ac9c65
    "\75\02\2b\59\6f\2c\e9\2d\83\e4\a6\6e\aa\84\74\4a"  ;; 2de92c6f592b0275 4a7484aa6ea6e483
    "\d4\fb\41\bd\dc\a9\b0\5c\b5\53\11\83\da\88\f9\76"  ;; 5cb0a9dcbd41fbd4 76f988da831153b5
    "\ab\df\66\ee\52\51\3e\98\10\32\b4\2d\6d\c6\31\a8"  ;; 983e5152ee66dfab a831c66d2db43210
    "\3f\21\fb\98\c8\27\03\b0\e4\0e\ef\be\c7\7f\59\bf"  ;; b00327c898fb213f bf597fc7beef0ee4
    "\c2\8f\a8\3d\f3\0b\e0\c6\25\a7\0a\93\47\91\a7\d5"  ;; c6e00bf33da88fc2 d5a79147930aa725
    "\6f\82\03\e0\51\63\ca\06\70\6e\0e\0a\67\29\29\14"  ;; 06ca6351e003826f 142929670a0e6e70
    "\fc\2f\d2\46\85\0a\b7\27\26\c9\26\5c\38\21\1b\2e"  ;; 27b70a8546d22ffc 2e1b21385c26c926
    "\ed\2a\c4\5a\fc\6d\2c\4d\df\b3\95\9d\13\0d\38\53"  ;; 4d2c6dfc5ac42aed 53380d139d95b3df
    "\de\63\af\8b\54\73\0a\65\a8\b2\77\3c\bb\0a\6a\76"  ;; 650a73548baf63de 766a0abb3c77b2a8
    "\e6\ae\ed\47\2e\c9\c2\81\3b\35\82\14\85\2c\72\92"  ;; 81c2c92e47edaee6 92722c851482353b
    "\64\03\f1\4c\a1\e8\bf\a2\01\30\42\bc\4b\66\1a\a8"  ;; a2bfe8a14cf10364 a81a664bbc423001
    "\91\97\f8\d0\70\8b\4b\c2\30\be\54\06\a3\51\6c\c7"  ;; c24b8b70d0f89791 c76c51a30654be30
    "\18\52\ef\d6\19\e8\92\d1\10\a9\65\55\24\06\99\d6"  ;; d192e819d6ef5218 d69906245565a910
    "\2a\20\71\57\85\35\0e\f4\b8\d1\bb\32\70\a0\6a\10"  ;; f40e35855771202a 106aa07032bbd1b8
    "\c8\d0\d2\b8\16\c1\a4\19\53\ab\41\51\08\6c\37\1e"  ;; 19a4c116b8d2d0c8 1e376c085141ab53
    "\99\eb\8e\df\4c\77\48\27\a8\48\9b\e1\b5\bc\b0\34"  ;; 2748774cdf8eeb99 34b0bcb5e19b48a8
    "\63\5a\c9\c5\b3\0c\1c\39\cb\8a\41\e3\4a\aa\d8\4e"  ;; 391c0cb3c5c95a63 4ed8aa4ae3418acb
    "\73\e3\63\77\4f\ca\9c\5b\a3\b8\b2\d6\f3\6f\2e\68"  ;; 5b9cca4f7763e373 682e6ff3d6b2b8a3
    "\fc\b2\ef\5d\ee\82\8f\74\60\2f\17\43\6f\63\a5\78"  ;; 748f82ee5defb2fc 78a5636f43172f60
    "\72\ab\f0\a1\14\78\c8\84\ec\39\64\1a\08\02\c7\8c"  ;; 84c87814a1f0ab72 8cc702081a6439ec
    "\28\1e\63\23\fa\ff\be\90\e9\bd\82\de\eb\6c\50\a4"  ;; 90befffa23631e28 a4506cebde82bde9
    "\15\79\c6\b2\f7\a3\f9\be\2b\53\72\e3\f2\78\71\c6"  ;; bef9a3f7b2c67915 c67178f2e372532b
    "\9c\61\26\ea\ce\3e\27\ca\07\c2\c0\21\c7\b8\86\d1"  ;; ca273eceea26619c d186b8c721c0c207
    "\1e\eb\e0\cd\d6\7d\da\ea\78\d1\6e\ee\7f\4f\7d\f5"  ;; eada7dd6cde0eb1e f57d4f7fee6ed178
    "\ba\6f\17\72\aa\67\f0\06\a6\98\c8\a2\c5\7d\63\0a"  ;; 06f067aa72176fba 0a637dc5a2c898a6
    "\ae\0d\f9\be\04\98\3f\11\1b\47\1c\13\35\0b\71\1b"  ;; 113f9804bef90dae 1b710b35131c471b
    "\84\7d\04\23\f5\77\db\28\93\24\c7\40\7b\ab\ca\32"  ;; 28db77f523047d84 32caab7b40c72493
    "\bc\be\c9\15\0a\be\9e\3c\4c\0d\10\9c\c4\67\1d\43"  ;; 3c9ebe0a15c9bebc 431d67c49c100d4c
    "\b6\42\3e\cb\be\d4\c5\4c\2a\7e\65\fc\9c\29\7f\59"  ;; 4cc5d4becb3e42b6 597f299cfc657e2a
    "\ec\fa\d6\3a\ab\6f\cb\5f\17\58\47\4a\8c\19\44\6c"  ;; 5fcb6fab3ad6faec 6c44198c4a475817
  )
  (data (i32.const 1280)
    "\08\c9\bc\f3\67\e6\09\6a\3b\a7\ca\84\85\ae\67\bb"  ;; 6a09e667f3bcc908 bb67ae8584caa73b
    "\2b\f8\94\fe\72\f3\6e\3c\f1\36\1d\5f\3a\f5\4f\a5"  ;; 3c6ef372fe94f82b a54ff53a5f1d36f1
    "\d1\82\e6\ad\7f\52\0e\51\1f\6c\3e\2b\8c\68\05\9b"  ;; 510e527fade682d1 9b05688c2b3e6c1f
    "\6b\bd\41\fb\ab\d9\83\1f\79\21\7e\13\19\cd\e0\5b"  ;; 1f83d9abfb41bd6b 5be0cd19137e2179
  )
  ;; Byte swap: SHA-512 is big-endian, WebAssembly memory little-endian.
  (func $bswap (param $x i64) (result i64)
    (local.set $x (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0x00FF00FF00FF00FF)) (i64.const 8))
                          (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0x00FF00FF00FF00FF))))
    (local.set $x (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0x0000FFFF0000FFFF)) (i64.const 16))
                          (i64.and (i64.shr_u (local.get $x) (i64.const 16)) (i64.const 0x0000FFFF0000FFFF))))
    (i64.rotl (local.get $x) (i64.const 32)))
  ;; digest(msg, len, out): the SHA-512 of the len bytes at msg, written as 64 bytes at out.
  (func (export "digest") (param $msg i32) (param $len i32) (param $out i32)
    (local $end i32) (local $p i32) (local $t i32)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64) (local $f i64) (local $g i64) (local $h i64)
    (local $ha i64) (local $hb i64) (local $hc i64) (local $hd i64) (local $he i64) (local $hf i64) (local $hg i64) (local $hh i64)
    (local $t1 i64) (local $w i64) (local $x i64)
    ;; Padding, in place: 0x80, zeros, and the length in bits as a big-endian 128-bit number at the end of the last
    ;; 128-byte block.
    (i32.store8 (i32.add (local.get $msg) (local.get $len)) (i32.const 0x80))
    (local.set $end (i32.add (local.get $msg) (i32.and (i32.add (local.get $len) (i32.const 144)) (i32.const -128))))
    (memory.fill (i32.add (i32.add (local.get $msg) (local.get $len)) (i32.const 1)) (i32.const 0)
                 (i32.sub (i32.sub (local.get $end) (i32.add (i32.add (local.get $msg) (local.get $len)) (i32.const 1))) (i32.const 8)))
    (i64.store (i32.sub (local.get $end) (i32.const 8)) (call $bswap (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 3))))
    (local.set $ha (i64.load (i32.const 1280))) (local.set $hb (i64.load (i32.const 1288)))
    (local.set $hc (i64.load (i32.const 1296))) (local.set $hd (i64.load (i32.const 1304)))
    (local.set $he (i64.load (i32.const 1312))) (local.set $hf (i64.load (i32.const 1320)))
    (local.set $hg (i64.load (i32.const 1328))) (local.set $hh (i64.load (i32.const 1336)))
    (local.set $p (local.get $msg))
    (loop $blocks
      (local.set $t (i32.const 0))
      ;; W[0..15]: the block as big-endian words (the byte swap written out: a call per word costs ~15%).
      (loop $load
        (local.set $x (i64.load (i32.add (local.get $p) (local.get $t))))
        (local.set $x (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0x00FF00FF00FF00FF)) (i64.const 8))
                              (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0x00FF00FF00FF00FF))))
        (local.set $x (i64.or (i64.shl (i64.and (local.get $x) (i64.const 0x0000FFFF0000FFFF)) (i64.const 16))
                              (i64.and (i64.shr_u (local.get $x) (i64.const 16)) (i64.const 0x0000FFFF0000FFFF))))
        (i64.store (i32.add (i32.const 640) (local.get $t)) (i64.rotl (local.get $x) (i64.const 32)))
        (br_if $load (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 8))) (i32.const 128))))
      (loop $extend
        ;; W[16..79]: W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]; t is a byte offset here
        (local.set $w (i64.load (i32.add (i32.const 624) (local.get $t))))   ;; W[t-2]
        (local.set $x (i64.load (i32.add (i32.const 520) (local.get $t))))   ;; W[t-15]
        (i64.store (i32.add (i32.const 640) (local.get $t))
          (i64.add (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $w) (i64.const 19)) (i64.rotr (local.get $w) (i64.const 61))) (i64.shr_u (local.get $w) (i64.const 6)))
            (i64.load (i32.add (i32.const 584) (local.get $t))))                ;; W[t-7]
          (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $x) (i64.const 1)) (i64.rotr (local.get $x) (i64.const 8))) (i64.shr_u (local.get $x) (i64.const 7)))
            (i64.load (i32.add (i32.const 512) (local.get $t))))))              ;; W[t-16]
        (br_if $extend (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 8))) (i32.const 640))))
      (local.set $a (local.get $ha)) (local.set $b (local.get $hb)) (local.set $c (local.get $hc)) (local.set $d (local.get $hd))
      (local.set $e (local.get $he)) (local.set $f (local.get $hf)) (local.set $g (local.get $hg)) (local.set $h (local.get $hh))
      ;; Eight rounds per iteration, so that instead of moving a..h along after each round their roles rotate: round t
      ;; adds T1 = h + S1(e) + Ch(e, f, g) + K[t] + W[t] to d, and makes T1 + S0(a) + Maj(a, b, c) of h, which the
      ;; next round then takes as its a. Ch and Maj in their forms with fewer operations. t is a byte offset here too.
      (local.set $t (i32.const 0))
      (loop $round
        ;; round t+0
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $h)
            (i64.xor (i64.xor (i64.rotr (local.get $e) (i64.const 14)) (i64.rotr (local.get $e) (i64.const 18))) (i64.rotr (local.get $e) (i64.const 41))))
            (i64.xor (local.get $g) (i64.and (local.get $e) (i64.xor (local.get $f) (local.get $g)))))
          (i64.add (i64.load (local.get $t)) (i64.load offset=640 (local.get $t)))))
        (local.set $d (i64.add (local.get $d) (local.get $t1)))
        (local.set $h (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $a) (i64.const 28)) (i64.rotr (local.get $a) (i64.const 34))) (i64.rotr (local.get $a) (i64.const 39)))
            (i64.or (i64.and (local.get $a) (local.get $b)) (i64.and (local.get $c) (i64.or (local.get $a) (local.get $b)))))))
        ;; round t+1
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $g)
            (i64.xor (i64.xor (i64.rotr (local.get $d) (i64.const 14)) (i64.rotr (local.get $d) (i64.const 18))) (i64.rotr (local.get $d) (i64.const 41))))
            (i64.xor (local.get $f) (i64.and (local.get $d) (i64.xor (local.get $e) (local.get $f)))))
          (i64.add (i64.load offset=8 (local.get $t)) (i64.load offset=648 (local.get $t)))))
        (local.set $c (i64.add (local.get $c) (local.get $t1)))
        (local.set $g (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $h) (i64.const 28)) (i64.rotr (local.get $h) (i64.const 34))) (i64.rotr (local.get $h) (i64.const 39)))
            (i64.or (i64.and (local.get $h) (local.get $a)) (i64.and (local.get $b) (i64.or (local.get $h) (local.get $a)))))))
        ;; round t+2
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $f)
            (i64.xor (i64.xor (i64.rotr (local.get $c) (i64.const 14)) (i64.rotr (local.get $c) (i64.const 18))) (i64.rotr (local.get $c) (i64.const 41))))
            (i64.xor (local.get $e) (i64.and (local.get $c) (i64.xor (local.get $d) (local.get $e)))))
          (i64.add (i64.load offset=16 (local.get $t)) (i64.load offset=656 (local.get $t)))))
        (local.set $b (i64.add (local.get $b) (local.get $t1)))
        (local.set $f (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $g) (i64.const 28)) (i64.rotr (local.get $g) (i64.const 34))) (i64.rotr (local.get $g) (i64.const 39)))
            (i64.or (i64.and (local.get $g) (local.get $h)) (i64.and (local.get $a) (i64.or (local.get $g) (local.get $h)))))))
        ;; round t+3
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $e)
            (i64.xor (i64.xor (i64.rotr (local.get $b) (i64.const 14)) (i64.rotr (local.get $b) (i64.const 18))) (i64.rotr (local.get $b) (i64.const 41))))
            (i64.xor (local.get $d) (i64.and (local.get $b) (i64.xor (local.get $c) (local.get $d)))))
          (i64.add (i64.load offset=24 (local.get $t)) (i64.load offset=664 (local.get $t)))))
        (local.set $a (i64.add (local.get $a) (local.get $t1)))
        (local.set $e (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $f) (i64.const 28)) (i64.rotr (local.get $f) (i64.const 34))) (i64.rotr (local.get $f) (i64.const 39)))
            (i64.or (i64.and (local.get $f) (local.get $g)) (i64.and (local.get $h) (i64.or (local.get $f) (local.get $g)))))))
        ;; round t+4
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $d)
            (i64.xor (i64.xor (i64.rotr (local.get $a) (i64.const 14)) (i64.rotr (local.get $a) (i64.const 18))) (i64.rotr (local.get $a) (i64.const 41))))
            (i64.xor (local.get $c) (i64.and (local.get $a) (i64.xor (local.get $b) (local.get $c)))))
          (i64.add (i64.load offset=32 (local.get $t)) (i64.load offset=672 (local.get $t)))))
        (local.set $h (i64.add (local.get $h) (local.get $t1)))
        (local.set $d (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $e) (i64.const 28)) (i64.rotr (local.get $e) (i64.const 34))) (i64.rotr (local.get $e) (i64.const 39)))
            (i64.or (i64.and (local.get $e) (local.get $f)) (i64.and (local.get $g) (i64.or (local.get $e) (local.get $f)))))))
        ;; round t+5
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $c)
            (i64.xor (i64.xor (i64.rotr (local.get $h) (i64.const 14)) (i64.rotr (local.get $h) (i64.const 18))) (i64.rotr (local.get $h) (i64.const 41))))
            (i64.xor (local.get $b) (i64.and (local.get $h) (i64.xor (local.get $a) (local.get $b)))))
          (i64.add (i64.load offset=40 (local.get $t)) (i64.load offset=680 (local.get $t)))))
        (local.set $g (i64.add (local.get $g) (local.get $t1)))
        (local.set $c (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $d) (i64.const 28)) (i64.rotr (local.get $d) (i64.const 34))) (i64.rotr (local.get $d) (i64.const 39)))
            (i64.or (i64.and (local.get $d) (local.get $e)) (i64.and (local.get $f) (i64.or (local.get $d) (local.get $e)))))))
        ;; round t+6
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $b)
            (i64.xor (i64.xor (i64.rotr (local.get $g) (i64.const 14)) (i64.rotr (local.get $g) (i64.const 18))) (i64.rotr (local.get $g) (i64.const 41))))
            (i64.xor (local.get $a) (i64.and (local.get $g) (i64.xor (local.get $h) (local.get $a)))))
          (i64.add (i64.load offset=48 (local.get $t)) (i64.load offset=688 (local.get $t)))))
        (local.set $f (i64.add (local.get $f) (local.get $t1)))
        (local.set $b (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $c) (i64.const 28)) (i64.rotr (local.get $c) (i64.const 34))) (i64.rotr (local.get $c) (i64.const 39)))
            (i64.or (i64.and (local.get $c) (local.get $d)) (i64.and (local.get $e) (i64.or (local.get $c) (local.get $d)))))))
        ;; round t+7
        (local.set $t1 (i64.add (i64.add (i64.add (local.get $a)
            (i64.xor (i64.xor (i64.rotr (local.get $f) (i64.const 14)) (i64.rotr (local.get $f) (i64.const 18))) (i64.rotr (local.get $f) (i64.const 41))))
            (i64.xor (local.get $h) (i64.and (local.get $f) (i64.xor (local.get $g) (local.get $h)))))
          (i64.add (i64.load offset=56 (local.get $t)) (i64.load offset=696 (local.get $t)))))
        (local.set $e (i64.add (local.get $e) (local.get $t1)))
        (local.set $a (i64.add (local.get $t1) (i64.add
            (i64.xor (i64.xor (i64.rotr (local.get $b) (i64.const 28)) (i64.rotr (local.get $b) (i64.const 34))) (i64.rotr (local.get $b) (i64.const 39)))
            (i64.or (i64.and (local.get $b) (local.get $c)) (i64.and (local.get $d) (i64.or (local.get $b) (local.get $c)))))))
        (br_if $round (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 64))) (i32.const 640))))
      (local.set $ha (i64.add (local.get $ha) (local.get $a))) (local.set $hb (i64.add (local.get $hb) (local.get $b)))
      (local.set $hc (i64.add (local.get $hc) (local.get $c))) (local.set $hd (i64.add (local.get $hd) (local.get $d)))
      (local.set $he (i64.add (local.get $he) (local.get $e))) (local.set $hf (i64.add (local.get $hf) (local.get $f)))
      (local.set $hg (i64.add (local.get $hg) (local.get $g))) (local.set $hh (i64.add (local.get $hh) (local.get $h)))
      (br_if $blocks (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 128))) (local.get $end))))
    (i64.store (local.get $out) (call $bswap (local.get $ha)))
    (i64.store offset=8 (local.get $out) (call $bswap (local.get $hb)))
    (i64.store offset=16 (local.get $out) (call $bswap (local.get $hc)))
    (i64.store offset=24 (local.get $out) (call $bswap (local.get $hd)))
    (i64.store offset=32 (local.get $out) (call $bswap (local.get $he)))
    (i64.store offset=40 (local.get $out) (call $bswap (local.get $hf)))
    (i64.store offset=48 (local.get $out) (call $bswap (local.get $hg)))
    (i64.store offset=56 (local.get $out) (call $bswap (local.get $hh))))
)
