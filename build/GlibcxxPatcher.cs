// Inline MSBuild task: see TorchSharpGlibcxxFix.targets for why this exists.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class StrataPatchTorchSharpGlibcxx : Task
{
    private const string Wanted = "GLIBCXX_3.4.32";
    private const string Available = "GLIBCXX_3.4.30";
    private const uint ShtGnuVerneed = 0x6ffffffe;

    [Required]
    public string Directory { get; set; } = "";

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        string[] libraries = System.IO.Directory.GetFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (libraries.Length == 0) return true;
        if (SystemHasVersion(Wanted)) return true;
        if (!SystemHasVersion(Available))
        {
            Log.LogWarning("StrataPatchTorchSharpGlibcxx: system libstdc++ has neither {0} nor {1}; TorchSharp may not load.", Wanted, Available);
            return true;
        }
        foreach (string library in libraries)
        {
            try
            {
                if (Patch(library)) Log.LogMessage(MessageImportance.High, "Patched {0}: {1} -> {2} (docs/torchsharp-on-debian.md)", library, Wanted, Available);
            }
            catch (Exception e)
            {
                Log.LogError("StrataPatchTorchSharpGlibcxx: cannot patch {0}: {1}", library, e.Message);
                return false;
            }
        }
        return true;
    }

    private static bool SystemHasVersion(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };
        foreach (string path in candidates)
        {
            if (!File.Exists(path)) continue;
            byte[] bytes = File.ReadAllBytes(path);
            return IndexOf(bytes, Encoding.ASCII.GetBytes(version + "\0"), 0, bytes.Length) >= 0;
        }
        return true; // Unknown layout: assume a modern system and leave the library alone.
    }

    /// <summary>Renames the verneed entry in place; returns false when there was nothing to do.</summary>
    private static bool Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a little-endian ELF64 file");
        long sectionHeaders = BitConverter.ToInt64(elf, 0x28);
        int sectionHeaderSize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        bool changed = false;
        for (int i = 0; i < sectionCount; i++)
        {
            int header = checked((int)(sectionHeaders + (long)i * sectionHeaderSize));
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed) continue;
            int verneed = checked((int)BitConverter.ToInt64(elf, header + 0x18));
            int stringTableIndex = (int)BitConverter.ToUInt32(elf, header + 0x28);
            int stringTableHeader = checked((int)(sectionHeaders + (long)stringTableIndex * sectionHeaderSize));
            int strings = checked((int)BitConverter.ToInt64(elf, stringTableHeader + 0x18));
            int entry = verneed;
            while (true)
            {
                int auxCount = BitConverter.ToUInt16(elf, entry + 2);
                int aux = entry + (int)BitConverter.ToUInt32(elf, entry + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int name = strings + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (ReadCString(elf, name) == Wanted)
                    {
                        Encoding.ASCII.GetBytes(Available).CopyTo(elf, name);
                        BitConverter.GetBytes(ElfHash(Available)).CopyTo(elf, aux);
                        changed = true;
                    }
                    uint nextAux = BitConverter.ToUInt32(elf, aux + 12);
                    if (nextAux == 0) break;
                    aux += (int)nextAux;
                }
                uint next = BitConverter.ToUInt32(elf, entry + 12);
                if (next == 0) break;
                entry += (int)next;
            }
        }
        if (!changed) return false;
        string temporary = path + ".patching";
        File.WriteAllBytes(temporary, elf);
        File.Copy(temporary, path, overwrite: true);
        File.Delete(temporary);
        return true;
    }

    private static string ReadCString(byte[] bytes, int offset)
    {
        int end = offset;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, offset, end - offset);
    }

    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int start, int end)
    {
        for (int i = start; i <= end - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
